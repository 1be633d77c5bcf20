"""Staff steps of an order's life: fulfil, ship, deliver, cancel, refund (and the saga's
mark_paid). Each locks the order's row, checks the step against the state machine and the
quantities, records the transition in the order's history and announces it. The money and
stock side of a cancellation or refund is an outbox event the saga/payments act on."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import sqlalchemy as sa

from app.domains.orders import states
from app.domains.orders.entities import (
    MAX_FULFILLMENTS,
    MAX_HISTORY,
    MAX_REFUNDS,
    Order,
    Tracking,
)
from app.domains.orders.errors import (
    FulfilmentExceedsOrdered,
    IllegalTransition,
    InvalidInput,
    NotFound,
    RefundExceedsPaid,
)
from app.domains.orders.events import OrderCancelled, OrderUpdated, RefundRequested
from app.domains.orders.models import order_index, orders
from app.domains.orders.service import rows
from app.platform.db import UnitOfWork
from app.platform.money import minor_units


async def _lock(uow: UnitOfWork, order_id: int) -> dict[str, Any]:
    s = uow.session
    idx = (await s.execute(sa.select(order_index).where(order_index.c.id == order_id))).first()
    if idx is None:
        raise NotFound("no such order", "orderId")
    if idx.archive is not None:
        raise NotFound("the order is archived and can no longer change", "orderId")
    r = (
        await s.execute(
            sa.select(orders)
            .where(orders.c.id == idx.id, orders.c.created_at == idx.created_at)
            .with_for_update()
        )
    ).first()
    if r is None:
        raise NotFound("no such order", "orderId")
    return dict(r._mapping)


async def _save(
    uow: UnitOfWork,
    row: dict[str, Any],
    target: str,
    reason: str | None,
    changes: dict[str, Any],
    now: datetime,
) -> Order:
    previous = row["status"]
    states.transition(previous, target)
    history = [
        *row["history"],
        {"from": previous, "to": target, "at": now.isoformat(), "reason": reason},
    ]
    if len(history) > MAX_HISTORY:
        raise InvalidInput(f"an order records at most {MAX_HISTORY} steps", "orderId")
    values = {**changes, "status": target, "history": history, "updated_at": now}
    await uow.session.execute(
        orders.update()
        .where(orders.c.id == row["id"], orders.c.created_at == row["created_at"])
        .values(**values)
    )
    row.update(values)
    uow.emit(
        OrderUpdated(
            order_id=row["id"], number=row["number"], status=target, previous_status=previous
        )
    )
    return rows.order(row)


def _position(order_id: int, line_id: int, field: str) -> int:
    owner, pos = rows.split_line_id(line_id)
    if owner != order_id or pos < 1:
        raise NotFound("no such line in this order", field)
    return pos


async def mark_paid(uow: UnitOfWork, order_id: int, payment_reference: str | None = None) -> Order:
    """PLACED → PAID once the payment is captured (idempotent: a PAID order stays so)."""
    now = datetime.now(UTC)
    async with uow:
        row = await _lock(uow, order_id)
        if row["status"] == states.PAID:
            return rows.order(row)
        changes = {"payment_reference": payment_reference or row["payment_reference"]}
        o = await _save(uow, row, states.PAID, "captured", changes, now)
        await uow.commit()
    return o


async def fulfil(
    uow: UnitOfWork,
    order_id: int,
    lines: Sequence[tuple[int, int]],
    tracking: Tracking | None = None,
) -> Order:
    """Record a fulfilment of `lines` ((line id, quantity)): never more of a line than was
    ordered in all. FULFILLED when every unit is, else PARTIALLY_FULFILLED."""
    if not lines:
        raise InvalidInput("a fulfilment ships at least one line", "lines")
    now = datetime.now(UTC)
    async with uow:
        row = await _lock(uow, order_id)
        # the status first: a cancelled order's lines are not "over-fulfilled", it is cancelled
        if not states.can_transition(row["status"], states.PARTIALLY_FULFILLED) and not (
            states.can_transition(row["status"], states.FULFILLED)
        ):
            raise IllegalTransition(row["status"], states.FULFILLED)
        new_lines = [dict(ln) for ln in row["lines"]]
        by_pos = {ln["n"]: ln for ln in new_lines}
        shipped: dict[int, int] = {}
        for i, (lid, qty) in enumerate(lines):
            field = f"lines[{i}]"
            pos = _position(order_id, lid, f"{field}.lineId")
            if pos not in by_pos:
                raise NotFound("no such line in this order", f"{field}.lineId")
            if qty < 1:
                raise InvalidInput("quantity is at least 1", f"{field}.quantity")
            shipped[pos] = shipped.get(pos, 0) + qty
        for i, (lid, _) in enumerate(lines):
            pos = rows.split_line_id(lid)[1]
            ln = by_pos[pos]
            if ln["fulfilled"] + shipped[pos] > ln["quantity"]:
                left = ln["quantity"] - ln["fulfilled"]
                raise FulfilmentExceedsOrdered(
                    f"line {pos} has {left} unit(s) left to fulfil", f"lines[{i}].quantity"
                )
        for pos, qty in shipped.items():
            by_pos[pos]["fulfilled"] += qty
        if len(row["fulfillments"]) >= MAX_FULFILLMENTS:
            raise InvalidInput(f"an order has at most {MAX_FULFILLMENTS} fulfilments", "lines")
        t = tracking or Tracking()
        fulfillment = {
            "at": now.isoformat(),
            "lines": sorted(shipped.items()),
            "tracking": {"company": t.company, "number": t.number, "url": t.url},
        }
        done = all(ln["fulfilled"] >= ln["quantity"] for ln in new_lines)
        target = states.FULFILLED if done else states.PARTIALLY_FULFILLED
        o = await _save(
            uow,
            row,
            target,
            None,
            {"lines": new_lines, "fulfillments": [*row["fulfillments"], fulfillment]},
            now,
        )
        await uow.commit()
    return o


async def _step(uow: UnitOfWork, order_id: int, target: str, reason: str | None) -> Order:
    now = datetime.now(UTC)
    async with uow:
        row = await _lock(uow, order_id)
        o = await _save(uow, row, target, reason, {}, now)
        await uow.commit()
    return o


async def mark_shipped(uow: UnitOfWork, order_id: int) -> Order:
    """FULFILLED → SHIPPED."""
    return await _step(uow, order_id, states.SHIPPED, None)


async def mark_delivered(uow: UnitOfWork, order_id: int) -> Order:
    """SHIPPED → DELIVERED."""
    return await _step(uow, order_id, states.DELIVERED, None)


async def cancel(uow: UnitOfWork, order_id: int, reason: str | None = None) -> Order:
    """PLACED or PAID → CANCELLED (nothing fulfilled yet). Announces
    `orders.OrderCancelled.v1` with what was paid: the saga/payments void or refund it and
    release the stock."""
    if reason is not None and len(reason) > 500:
        raise InvalidInput("a reason is at most 500 characters", "reason")
    now = datetime.now(UTC)
    async with uow:
        row = await _lock(uow, order_id)
        paid = row["status"] != states.PLACED
        o = await _save(uow, row, states.CANCELLED, reason, {}, now)
        uow.emit(
            OrderCancelled(
                order_id=o.id,
                number=o.number,
                reference=o.reference,
                payment_reference=o.payment_reference,
                currency=o.currency,
                amount=str(o.total - o.refunded_total if paid else Decimal(0)),
                reason=reason,
                lines=[{"variant_id": ln.variant_id, "quantity": ln.quantity} for ln in o.lines],
            )
        )
        await uow.commit()
    return o


def _line_share(ln: dict[str, Any], qty: int, currency: str) -> Decimal:
    """What `qty` units of a line were paid: its total pro rata, to the currency's minor
    unit, half-even; the last units get what is left so a whole line refunds exactly."""
    total = Decimal(str(ln["total"]))
    remaining_units = ln["quantity"] - ln["refunded"]
    if qty == remaining_units:
        already = (total * ln["refunded"] / ln["quantity"]).quantize(
            Decimal(1).scaleb(-minor_units(currency)), ROUND_HALF_EVEN
        )
        return total - already
    return (total * qty / ln["quantity"]).quantize(
        Decimal(1).scaleb(-minor_units(currency)), ROUND_HALF_EVEN
    )


async def refund(
    uow: UnitOfWork,
    order_id: int,
    *,
    amount: Decimal | None = None,
    lines: Sequence[tuple[int, int]] = (),
) -> Order:
    """Refund an amount, or lines (what their units were paid), never more than was paid
    in all: the row lock makes concurrent refunds add up, the last one over the total is
    refused (and a CHECK in the table says the same). REFUNDED when everything is, else
    PARTIALLY_REFUNDED. Announces `orders.RefundRequested.v1` for the gateway refund."""
    if (amount is None) == (not lines):
        raise InvalidInput("refund either an amount or lines", "amount")
    now = datetime.now(UTC)
    async with uow:
        row = await _lock(uow, order_id)
        cur = row["currency"]
        if not states.can_transition(row["status"], states.PARTIALLY_REFUNDED):
            raise IllegalTransition(row["status"], states.PARTIALLY_REFUNDED)
        new_lines = [dict(ln) for ln in row["lines"]]
        by_pos = {ln["n"]: ln for ln in new_lines}
        refunded_lines: list[dict[str, int]] = []
        if amount is not None:
            if not amount.is_finite() or amount <= 0:
                raise InvalidInput("the amount is more than zero", "amount")
            if amount != round(amount, minor_units(cur)):
                raise InvalidInput(f"the amount has more decimals than {cur} allows", "amount")
            value = amount
        else:
            value = Decimal(0)
            for i, (lid, qty) in enumerate(lines):
                pos = _position(order_id, lid, f"lines[{i}].lineId")
                ln = by_pos.get(pos)
                if ln is None:
                    raise NotFound("no such line in this order", f"lines[{i}].lineId")
                if qty < 1 or ln["refunded"] + qty > ln["quantity"]:
                    left = ln["quantity"] - ln["refunded"]
                    raise RefundExceedsPaid(
                        f"line {pos} has {left} unit(s) left to refund", f"lines[{i}].quantity"
                    )
                value += _line_share(ln, qty, cur)
                ln["refunded"] += qty
                refunded_lines.append({"variant_id": ln["variant_id"], "quantity": qty})
        total, done = Decimal(str(row["total"])), Decimal(str(row["refunded_total"]))
        if done + value > total:
            raise RefundExceedsPaid(
                f"only {total - done} {cur} of the order is left to refund", "amount"
            )
        refunds = sum(1 for h in row["history"] if h["to"] in ("PARTIALLY_REFUNDED", "REFUNDED"))
        if refunds >= MAX_REFUNDS:
            raise InvalidInput(f"an order takes at most {MAX_REFUNDS} refunds", "amount")
        target = states.REFUNDED if done + value == total else states.PARTIALLY_REFUNDED
        o = await _save(
            uow,
            row,
            target,
            f"refund {value} {cur}",
            {"lines": new_lines, "refunded_total": done + value},
            now,
        )
        uow.emit(
            RefundRequested(
                order_id=o.id,
                number=o.number,
                refund_id=str(uuid.uuid4()),
                payment_reference=o.payment_reference,
                currency=cur,
                amount=str(value),
                lines=refunded_lines,
            )
        )
        await uow.commit()
    return o
