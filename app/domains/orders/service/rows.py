"""Table rows (or their archived JSON form) to the context's entities, and back."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.domains.orders.entities import (
    LINE_SLOTS,
    Fulfillment,
    Order,
    OrderLine,
    Tracking,
    Transition,
)
from app.domains.orders.models import orders
from app.platform.money import to_minor_units

AMOUNTS = ("subtotal", "discount_total", "shipping_total", "tax_total", "total", "refunded_total")


def token_hash(token: str) -> str:
    """Only the lookup token's hash is stored: a database leak reveals no token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _dt(v: Any) -> datetime:
    return v if isinstance(v, datetime) else datetime.fromisoformat(v)


def line_id(order_id: int, position: int) -> int:
    return order_id * LINE_SLOTS + position


def split_line_id(line_id: int) -> tuple[int, int]:
    """(order id, position) of a line id."""
    return divmod(line_id, LINE_SLOTS)


def order(r: Mapping[str, Any] | Any, *, archived: bool = False) -> Order:
    cur = r["currency"]

    def m(v: Any) -> Decimal:
        return to_minor_units(Decimal(str(v)), cur)

    oid = int(r["id"])
    return Order(
        id=oid,
        number=int(r["number"]),
        reference=r["reference"],
        status=r["status"],
        created_at=_dt(r["created_at"]),
        updated_at=_dt(r["updated_at"]),
        currency=cur,
        email=r["email"],
        customer_id=r["customer_id"],
        lines=tuple(
            OrderLine(
                id=line_id(oid, ln["n"]),
                position=ln["n"],
                variant_id=ln["variant_id"],
                sku=ln.get("sku"),
                title=ln["title"],
                quantity=ln["quantity"],
                unit_price=m(ln["unit_price"]),
                discount=m(ln["discount"]),
                tax=m(ln["tax"]),
                total=m(ln["total"]),
                fulfilled_quantity=ln.get("fulfilled", 0),
                refunded_quantity=ln.get("refunded", 0),
            )
            for ln in r["lines"]
        ),
        shipping_address=r["shipping_address"],
        billing_address=r["billing_address"],
        subtotal=m(r["subtotal"]),
        discount_total=m(r["discount_total"]),
        shipping_total=m(r["shipping_total"]),
        tax_total=m(r["tax_total"]),
        total=m(r["total"]),
        refunded_total=m(r["refunded_total"]),
        payment_reference=r["payment_reference"],
        fulfillments=tuple(
            Fulfillment(
                created_at=_dt(f["at"]),
                lines=tuple((line_id(oid, n), q) for n, q in f["lines"]),
                tracking=Tracking(**f.get("tracking") or {}),
            )
            for f in r["fulfillments"]
        ),
        history=tuple(
            Transition(h.get("from"), h["to"], _dt(h["at"]), h.get("reason")) for h in r["history"]
        ),
        archived=archived,
    )


def to_json(r: Mapping[str, Any] | Any) -> dict[str, Any]:
    """A row as one archive line: every column, decimals and times as strings."""
    out: dict[str, Any] = {}
    for c in orders.c:
        v = r[c.name]
        if isinstance(v, Decimal):
            v = str(v)
        elif isinstance(v, datetime | date):
            v = v.isoformat()
        out[c.name] = v
    return out
