"""Payment use cases: each takes the payments unit of work and a gateway, and is safe to
call again with the same reference (a retried saga step, a redelivered event).

One payment per reference: the row is created first, then every gateway call is made
while holding that row's lock (`FOR UPDATE`), so concurrent callers for one reference
queue behind the first and find its answer. Gateway idempotency keys are derived from the
reference and the step, so a call whose answer was lost (a crash, a timeout) is repeated
with the same key and the processor answers it again instead of moving money twice.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from app.domains.payments import models as m
from app.domains.payments.entities import Payment, PaymentStatus
from app.domains.payments.errors import (
    NotRefundable,
    PaymentGatewayError,
    PaymentMismatch,
    PaymentNotFound,
    PaymentRetryable,
    PaymentsError,
    RefundExceedsCaptured,
)
from app.domains.payments.events import (
    PaymentAuthorized,
    PaymentCaptured,
    PaymentFailed,
    PaymentRefunded,
    PaymentVoided,
)
from app.domains.payments.gateway import GatewayResult, Outcome, PaymentGateway
from app.platform.db import UnitOfWork

MAX_REFERENCE = 200  # the idempotency keys built from it stay under Stripe's 255
P = m.payments
REFUNDABLE = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)


def idempotency_key(reference: str, step: str) -> str:
    """The gateway key for one step of one reference's payment: the same on every retry."""
    return f"payments:{reference}:{step}"


def _payment(row: Any, compensated: bool) -> Payment:
    return Payment(
        id=row.id,
        reference=row.reference,
        amount=row.amount,
        currency=row.currency,
        gateway=row.gateway,
        gateway_id=row.gateway_id,
        status=PaymentStatus(row.status),
        amount_captured=row.amount_captured,
        amount_refunded=row.amount_refunded,
        failure_outcome=row.failure_outcome,
        failure_code=row.failure_code,
        failure_message=row.failure_message,
        compensated=compensated,
    )


async def is_compensated(uow: UnitOfWork, reference: str) -> bool:
    c = m.compensations
    found = await uow.session.execute(sa.select(c.c.reference).where(c.c.reference == reference))
    return found.first() is not None


async def _locked(uow: UnitOfWork, where: sa.ColumnElement[bool]) -> Any:
    """The payment, locked for this transaction, with whether its reference is compensated."""
    c = m.compensations
    compensated = sa.exists().where(c.c.reference == P.c.reference).label("compensated")
    query = sa.select(P, compensated).where(where).with_for_update(of=P)
    return (await uow.session.execute(query)).first()


async def _set(uow: UnitOfWork, payment_id: int, **values: Any) -> Any:
    return (
        await uow.session.execute(
            sa.update(P)
            .where(P.c.id == payment_id)
            .values(**values, updated_at=sa.func.now())
            .returning(P)
        )
    ).one()


async def _history(
    uow: UnitOfWork,
    row: Any,
    kind: str,
    result: GatewayResult | None,
    *,
    key: str | None = None,
    amount: int | None = None,
    **detail: Any,
) -> None:
    if result is not None:
        detail = {"code": result.code, "message": result.message, **detail}
        if result.outcome is Outcome.ERROR:
            detail["retryable"] = result.retryable
    await uow.session.execute(
        m.payment_events.insert().values(
            payment_id=row.id,
            kind=kind,
            outcome=result.outcome.value if result is not None else "approved",
            amount=amount if amount is not None else (result.amount if result else None),
            gateway_id=(result.transaction_id or result.gateway_id) if result else row.gateway_id,
            idempotency_key=key,
            detail={k: v for k, v in detail.items() if v is not None},
        )
    )


def _event_fields(row: Any) -> dict[str, Any]:
    return {
        "payment_id": row.id,
        "reference": row.reference,
        "currency": row.currency,
        "gateway": row.gateway,
        "gateway_id": row.gateway_id,
    }


async def _fail(
    uow: UnitOfWork, row: Any, outcome: str, code: str | None, message: str | None
) -> Any:
    row = await _set(
        uow,
        row.id,
        status=PaymentStatus.FAILED,
        failure_outcome=outcome,
        failure_code=code,
        failure_message=message,
    )
    uow.emit(
        PaymentFailed(
            **_event_fields(row), amount=row.amount, outcome=outcome, code=code, message=message
        )
    )
    return row


def _give_up(reference: str, result: GatewayResult) -> PaymentsError:
    message = result.message or result.code or "payment gateway error"
    if result.retryable:
        return PaymentRetryable(reference, result.code, message)
    return PaymentGatewayError(reference, result.code, message)


async def payment_by_reference(uow: UnitOfWork, reference: str) -> Payment | None:
    row = (await uow.session.execute(sa.select(P).where(P.c.reference == reference))).first()
    if row is None:
        return None
    return _payment(row, await is_compensated(uow, reference))


async def authorize_and_capture(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    reference: str,
    amount: int,
    currency: str,
    token: str,
) -> Payment:
    """Charge `amount` (minor units) once for `reference`, however often this is called.

    Returns the payment: CAPTURED when charged, FAILED when declined (`declined`) or
    refused for good; a reference the saga already compensated is never charged (FAILED,
    code `compensated`; or AUTHORIZED/VOIDED/REFUNDED when the compensation raced this
    call): treat anything but `payment.captured` as not paid. Raises PaymentRetryable when the processor did not answer (call
    again: same key, no second charge), PaymentGatewayError when a capture is refused
    (the authorization stays: compensate with void_or_refund), PaymentMismatch when the
    reference was charged with another amount or currency.
    """
    if not 0 < len(reference) <= MAX_REFERENCE:
        raise PaymentsError(f"reference must be 1 to {MAX_REFERENCE} characters", reference)
    if amount <= 0:
        raise PaymentsError("amount must be positive (minor units)", reference)
    if len(currency) != 3 or not currency.isalpha():
        raise PaymentsError("currency must be a three-letter ISO 4217 code", reference)
    currency = currency.upper()
    await uow.session.execute(
        insert(P)
        .values(reference=reference, amount=amount, currency=currency, gateway=gateway.name)
        .on_conflict_do_nothing(index_elements=[P.c.reference])
    )
    await uow.commit()
    while True:
        row = await _locked(uow, P.c.reference == reference)
        if (row.amount, row.currency, row.gateway) != (amount, currency, gateway.name):
            await uow.rollback()
            raise PaymentMismatch(
                f"{reference} is already a payment of {row.amount} {row.currency} on {row.gateway}",
                reference,
            )
        compensated = row.compensated
        if row.status == PaymentStatus.PENDING and compensated:
            await _fail(uow, row, "error", "compensated", "The checkout was cancelled")
        elif row.status == PaymentStatus.PENDING:
            await _keeping_history(uow, _authorize(uow, gateway, row, token))
        elif row.status == PaymentStatus.AUTHORIZED and not compensated:
            await _keeping_history(uow, _capture(uow, gateway, row))
        else:
            await uow.commit()
            return _payment(row, compensated)
        await uow.commit()


async def _keeping_history(uow: UnitOfWork, step: Awaitable[Any]) -> Any:
    """Run a gateway step; when it raises, still commit what it recorded (the attempt in
    the history, a gateway id), so the next try and a person can see it."""
    try:
        return await step
    except PaymentsError:
        await uow.commit()
        raise


async def _authorize(uow: UnitOfWork, gateway: PaymentGateway, row: Any, token: str) -> None:
    key = idempotency_key(row.reference, "authorize")
    result = await gateway.authorize(row.amount, row.currency, token, key, row.reference)
    await _history(uow, row, "authorize", result, key=key)
    if result.approved:
        row = await _set(uow, row.id, status=PaymentStatus.AUTHORIZED, gateway_id=result.gateway_id)
        uow.emit(PaymentAuthorized(**_event_fields(row), amount=row.amount))
    elif result.outcome is Outcome.DECLINED:
        if result.gateway_id:
            row = await _set(uow, row.id, gateway_id=result.gateway_id)
        await _fail(uow, row, "declined", result.code, result.message)
    elif result.retryable:
        # the answer may be lost, not the charge: stay PENDING, the retry asks again
        raise _give_up(row.reference, result)
    else:
        await _fail(uow, row, "error", result.code, result.message)


async def _capture(uow: UnitOfWork, gateway: PaymentGateway, row: Any) -> None:
    key = idempotency_key(row.reference, "capture")
    result = await gateway.capture(row.gateway_id, row.amount, key)
    await _history(uow, row, "capture", result, key=key)
    if not result.approved:
        raise _give_up(row.reference, result)
    captured = result.amount or row.amount
    row = await _set(uow, row.id, status=PaymentStatus.CAPTURED, amount_captured=captured)
    uow.emit(PaymentCaptured(**_event_fields(row), amount=captured))


async def mark_compensated(uow: UnitOfWork, reference: str) -> None:
    """Record that the saga gave `reference` up: from now on nothing is charged for it, and
    a charge that lands anyway (a late webhook) is refunded. Moves no money itself: call
    void_or_refund for a payment already made."""
    await _mark(uow, reference)
    await uow.commit()


async def _mark(uow: UnitOfWork, reference: str) -> None:
    await uow.session.execute(
        insert(m.compensations).values(reference=reference).on_conflict_do_nothing()
    )


async def void_or_refund(
    uow: UnitOfWork, gateway: PaymentGateway, reference: str
) -> Payment | None:
    """The saga's compensation: mark `reference` compensated, then release an authorization
    (void) or give back everything captured (refund). None when nothing was ever charged
    for it. Safe to repeat. Raises PaymentRetryable / PaymentGatewayError like the others.
    """
    await _mark(uow, reference)
    await uow.commit()
    row = await _locked(uow, P.c.reference == reference)
    if row is None:
        await uow.commit()
        return None
    row = await _keeping_history(uow, _undo(uow, gateway, row, reason="compensation"))
    await uow.commit()
    return _payment(row, True)


async def _undo(uow: UnitOfWork, gateway: PaymentGateway, row: Any, reason: str) -> Any:
    """Under the row's lock, no commit: leave nothing held or charged for this payment."""
    if row.status == PaymentStatus.PENDING:
        # an authorize whose answer never came: if the processor did take the money, its
        # webhook finds the reference compensated and refunds it
        return await _fail(
            uow, row, "error", "abandoned", "Abandoned before the processor answered"
        )
    if row.status == PaymentStatus.AUTHORIZED:
        key = idempotency_key(row.reference, "void")
        result = await gateway.void(row.gateway_id, key)
        await _history(uow, row, "void", result, key=key)
        if not result.approved:
            raise _give_up(row.reference, result)
        row = await _set(uow, row.id, status=PaymentStatus.VOIDED)
        uow.emit(PaymentVoided(**_event_fields(row), amount=row.amount))
        return row
    if row.status in REFUNDABLE and row.amount_captured > row.amount_refunded:
        return await _refund(uow, gateway, row, row.amount_captured - row.amount_refunded, reason)
    return row


async def _refund(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    row: Any,
    amount: int,
    reason: str,
    request_key: str | None = None,
) -> Any:
    # the key names the refund by what was refunded before it: a lost answer is asked again
    # with the same key, a later refund of the same amount gets its own
    key = idempotency_key(row.reference, f"refund:{row.amount_refunded}:{amount}")
    result = await gateway.refund(row.gateway_id, amount, key)
    await _history(uow, row, "refund", result, key=request_key or key, reason=reason)
    if not result.approved:
        raise _give_up(row.reference, result)
    refunded = row.amount_refunded + (result.amount or amount)
    status = (
        PaymentStatus.REFUNDED
        if refunded >= row.amount_captured
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    row = await _set(uow, row.id, status=status, amount_refunded=refunded)
    uow.emit(
        PaymentRefunded(
            **_event_fields(row),
            amount=result.amount or amount,
            amount_refunded=refunded,
            reason=reason,
        )
    )
    return row


async def refund(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    reference: str,
    amount: int,
    *,
    request_key: str | None = None,
) -> Payment:
    """Give back `amount` (minor units) of what `reference` captured: never more than is
    left (RefundExceedsCaptured). With `request_key` (an order refund's own key), the same
    request repeated refunds once."""
    if amount <= 0:
        raise PaymentsError("amount must be positive (minor units)", reference)
    row = await _locked(uow, P.c.reference == reference)
    if row is None:
        await uow.rollback()
        raise PaymentNotFound(f"No payment for {reference}", reference)
    compensated = row.compensated
    if request_key is not None:
        e = m.payment_events
        done = await uow.session.execute(
            sa.select(e.c.id).where(
                e.c.payment_id == row.id,
                e.c.kind == "refund",
                e.c.outcome == "approved",
                e.c.idempotency_key == request_key,
            )
        )
        if done.first() is not None:
            await uow.commit()
            return _payment(row, compensated)
    if row.status not in (*REFUNDABLE, PaymentStatus.REFUNDED):
        await uow.rollback()
        raise NotRefundable(f"A {row.status} payment cannot be refunded", reference)
    available = row.amount_captured - row.amount_refunded
    if amount > available:
        await uow.rollback()
        raise RefundExceedsCaptured(reference, amount, available)
    row = await _keeping_history(uow, _refund(uow, gateway, row, amount, "requested", request_key))
    await uow.commit()
    return _payment(row, compensated)
