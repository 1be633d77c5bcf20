"""Stripe webhook events, reconciled with the payments we recorded.

Each event is handled once (its id is stored in the same transaction as what it changed;
a failure rolls both back and Stripe delivers it again). The rule that matters most: money
that lands for a checkout that was given up (compensated), or for a payment we recorded as
failed or voided, is refunded at once, never kept as an orphan charge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from app.domains.payments import models as m
from app.domains.payments.entities import PaymentStatus
from app.domains.payments.errors import InvalidWebhookEvent
from app.domains.payments.events import PaymentAuthorized, PaymentCaptured, PaymentRefunded
from app.domains.payments.gateway import PaymentGateway
from app.domains.payments.service import (
    _event_fields,
    _fail,
    _give_up,
    _history,
    _refund,
    _set,
    _undo,
    idempotency_key,
    is_compensated,
)
from app.platform.db import UnitOfWork

P = m.payments
# what we told the saga was not paid: a charge landing for it afterwards goes back
_NOT_PAID = (PaymentStatus.FAILED, PaymentStatus.VOIDED)


async def handle_stripe_event(
    uow: UnitOfWork, gateway: PaymentGateway, event: Mapping[str, Any]
) -> str:
    """Apply one verified Stripe event; returns what it did (`duplicate`, `ignored`,
    `captured`, `refunded`, …). Raises PaymentsError when the event is malformed or a
    refund it needs cannot be made now (answer non-2xx: Stripe retries)."""
    event_id, kind = event.get("id"), event.get("type")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    if not isinstance(event_id, str) or not isinstance(kind, str) or not isinstance(obj, Mapping):
        raise InvalidWebhookEvent("Not a Stripe event: id, type and data.object are required")
    claimed = await uow.session.execute(
        insert(m.webhook_events)
        .values(event_id=event_id[:255], type=kind[:255])
        .on_conflict_do_nothing()
        .returning(m.webhook_events.c.event_id)
    )
    if claimed.first() is None:
        await uow.rollback()
        return "duplicate"
    if kind.startswith("payment_intent."):
        gateway_id, reference = obj.get("id"), (obj.get("metadata") or {}).get("reference")
    elif kind == "charge.refunded":
        gateway_id, reference = obj.get("payment_intent"), None
    else:
        await uow.commit()
        return "ignored"
    if not isinstance(gateway_id, str):
        await uow.commit()
        return "ignored"
    row = await _find(uow, gateway_id, reference if isinstance(reference, str) else None)
    if row is None:
        outcome = await _unknown(uow, gateway, kind, obj, gateway_id, reference)
    else:
        outcome = await _reconcile(uow, gateway, row, kind, obj, gateway_id)
    await uow.commit()
    return outcome


async def _find(uow: UnitOfWork, gateway_id: str, reference: str | None) -> Any:
    where: sa.ColumnElement[bool] = P.c.gateway_id == gateway_id
    if reference:
        # an authorize whose answer was lost has no gateway id yet: its metadata names it
        where = sa.or_(
            where,
            sa.and_(P.c.reference == reference, P.c.gateway == "stripe", P.c.gateway_id.is_(None)),
        )
    return (await uow.session.execute(sa.select(P).where(where).with_for_update())).first()


async def _unknown(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    kind: str,
    obj: Mapping[str, Any],
    gateway_id: str,
    reference: Any,
) -> str:
    """An intent none of our payments holds. If it names one of our references that was
    compensated or already paid by another intent, money taken by it is an orphan: refund."""
    if kind != "payment_intent.succeeded" or not isinstance(reference, str):
        return "ignored"
    other = (await uow.session.execute(sa.select(P.c.id).where(P.c.reference == reference))).first()
    if other is None and not await is_compensated(uow, reference):
        return "ignored"
    result = await gateway.refund(
        gateway_id, None, idempotency_key(reference, f"orphan:{gateway_id}")
    )
    if not result.approved:
        raise _give_up(reference, result)
    return "orphan_refunded"


async def _reconcile(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    row: Any,
    kind: str,
    obj: Mapping[str, Any],
    gateway_id: str,
) -> str:
    before = PaymentStatus(row.status)
    compensated = await is_compensated(uow, row.reference)
    gone = compensated or before in _NOT_PAID
    await _history(
        uow, row, f"webhook:{kind}", None, gateway_id=gateway_id, status=obj.get("status")
    )
    if kind == "payment_intent.succeeded":
        received = int(obj.get("amount_received") or obj.get("amount") or 0)
        if before in (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED, *_NOT_PAID) and received:
            row = await _set(
                uow,
                row.id,
                status=PaymentStatus.CAPTURED,
                gateway_id=gateway_id,
                amount_captured=min(received, row.amount),
                failure_outcome=None,
                failure_code=None,
                failure_message=None,
            )
            uow.emit(PaymentCaptured(**_event_fields(row), amount=row.amount_captured))
            if gone:
                await _refund(
                    uow, gateway, row, row.amount_captured - row.amount_refunded, "late_charge"
                )
                return "refunded"
            return "captured"
        return "unchanged"
    if kind == "payment_intent.amount_capturable_updated":
        if before in (PaymentStatus.PENDING, PaymentStatus.FAILED):
            row = await _set(uow, row.id, status=PaymentStatus.AUTHORIZED, gateway_id=gateway_id)
            uow.emit(PaymentAuthorized(**_event_fields(row), amount=row.amount))
            if gone:
                await _undo(uow, gateway, row, "late_charge")
                return "voided"
            return "authorized"
        return "unchanged"
    if kind == "payment_intent.payment_failed" and before is PaymentStatus.PENDING:
        error = obj.get("last_payment_error") or {}
        code = error.get("decline_code") or error.get("code") or "payment_failed"
        await _set(uow, row.id, gateway_id=gateway_id)
        await _fail(uow, row, "declined", code, error.get("message"))
        return "failed"
    if kind == "payment_intent.canceled" and before in (
        PaymentStatus.PENDING,
        PaymentStatus.AUTHORIZED,
    ):
        await _set(uow, row.id, status=PaymentStatus.VOIDED, gateway_id=gateway_id)
        return "voided"
    if kind == "charge.refunded":
        total = min(int(obj.get("amount_refunded") or 0), row.amount_captured)
        if total > row.amount_refunded:
            status = (
                PaymentStatus.REFUNDED
                if total >= row.amount_captured
                else PaymentStatus.PARTIALLY_REFUNDED
            )
            row2 = await _set(uow, row.id, status=status, amount_refunded=total)
            uow.emit(
                PaymentRefunded(
                    **_event_fields(row2),
                    amount=total - row.amount_refunded,
                    amount_refunded=total,
                    reason="gateway",
                )
            )
            return "refunded"
    return "unchanged"
