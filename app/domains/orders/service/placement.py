"""Placing an order (what the checkout saga calls) and recording its payment."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects.postgresql import insert

from app.domains.orders import states
from app.domains.orders.entities import MAX_LINES, Order, OrderDraft, PlacedOrder
from app.domains.orders.errors import InvalidInput
from app.domains.orders.events import OrderPlaced
from app.domains.orders.models import order_id_seq, order_index, order_number_seq, orders
from app.domains.orders.service import rows
from app.domains.orders.service.partitions import ensure_partition
from app.domains.orders.service.queries import load_by_reference
from app.platform.db import UnitOfWork
from app.platform.money import minor_units


def _check_amount(v: Decimal, currency: str, field: str) -> str:
    if not v.is_finite() or v < 0:
        raise InvalidInput(f"{field} must be a non-negative amount", field)
    if v != round(v, minor_units(currency)):
        raise InvalidInput(f"{field} has more decimals than {currency} allows", field)
    return str(v)


def _check(draft: OrderDraft) -> list[dict[str, Any]]:
    if not draft.reference:
        raise InvalidInput("an order needs its checkout reference", "reference")
    if len(draft.currency) != 3:
        raise InvalidInput("currency is an ISO 4217 code", "currency")
    if "@" not in draft.email:
        raise InvalidInput("an order needs the buyer's e-mail", "email")
    if not draft.lines or len(draft.lines) > MAX_LINES:
        raise InvalidInput(f"an order has 1 to {MAX_LINES} lines", "lines")
    cur = draft.currency.upper()
    for f in ("subtotal", "discount_total", "shipping_total", "tax_total", "total"):
        _check_amount(getattr(draft, f), cur, f)
    out = []
    for n, ln in enumerate(draft.lines, start=1):
        if ln.quantity < 1:
            raise InvalidInput("a line's quantity is at least 1", f"lines[{n - 1}].quantity")
        out.append(
            {
                "n": n,
                "variant_id": ln.variant_id,
                "sku": ln.sku,
                "title": ln.title,
                "quantity": ln.quantity,
                **{
                    k: _check_amount(getattr(ln, k), cur, f"lines[{n - 1}].{k}")
                    for k in ("unit_price", "discount", "tax", "total")
                },
                "fulfilled": 0,
                "refunded": 0,
            }
        )
    return out


async def place_order(
    uow: UnitOfWork, draft: OrderDraft, *, now: datetime | None = None
) -> PlacedOrder:
    """Turn a completed checkout into an order, once: the same `reference` always answers
    the same order (`created` False after the first call, also for concurrent callers: the
    unique reference in `order_index` makes the later ones wait, then find it). The number
    comes from a sequence: increasing, never reused, with gaps where a placement rolled
    back. The order starts PAID when the draft says the payment was captured, else PLACED.
    Announces `orders.OrderPlaced.v1` with the guest lookup token."""
    lines = _check(draft)
    at = (now or datetime.now(UTC)).astimezone(UTC)
    await ensure_partition(uow, at)
    token = secrets.token_urlsafe(18)
    status = states.PAID if draft.paid else states.PLACED
    history = [{"from": None, "to": states.PLACED, "at": at.isoformat(), "reason": None}]
    if draft.paid:
        history.append(
            {"from": states.PLACED, "to": states.PAID, "at": at.isoformat(), "reason": "captured"}
        )
    async with uow:
        s = uow.session
        claimed = (
            await s.execute(
                insert(order_index)
                .values(
                    id=order_id_seq.next_value(),
                    number=order_number_seq.next_value(),
                    reference=draft.reference,
                    created_at=at,
                )
                .on_conflict_do_nothing(index_elements=["reference"])
                .returning(order_index.c.id, order_index.c.number)
            )
        ).first()
        if claimed is None:
            await uow.rollback()
            existing = await load_by_reference(s, draft.reference)
            assert existing is not None, "an indexed reference has its order"
            return PlacedOrder(existing, created=False, lookup_token=None)
        values = {
            "id": claimed.id,
            "created_at": at,
            "number": claimed.number,
            "reference": draft.reference,
            "status": status,
            "currency": draft.currency.upper(),
            "email": draft.email.strip(),
            "customer_id": draft.customer_id,
            "token_hash": rows.token_hash(token),
            "shipping_address": draft.shipping_address,
            "billing_address": draft.billing_address,
            "lines": lines,
            "subtotal": draft.subtotal,
            "discount_total": draft.discount_total,
            "shipping_total": draft.shipping_total,
            "tax_total": draft.tax_total,
            "total": draft.total,
            "refunded_total": Decimal(0),
            "payment_reference": draft.payment_reference,
            "fulfillments": [],
            "history": history,
            "updated_at": at,
        }
        await s.execute(orders.insert().values(**values))
        order: Order = rows.order(values)
        uow.emit(
            OrderPlaced(
                order_id=order.id,
                number=order.number,
                reference=order.reference,
                status=order.status,
                customer_id=order.customer_id,
                email=order.email,
                currency=order.currency,
                total=str(order.total),
                lookup_token=token,
            )
        )
        await uow.commit()
    return PlacedOrder(order, created=True, lookup_token=token)
