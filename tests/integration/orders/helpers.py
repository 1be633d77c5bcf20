"""Orders as the checkout saga would place them."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

import sqlalchemy as sa

from app.domains import orders
from app.platform.db import Database

ADDRESS = {
    "first_name": "Ada",
    "last_name": "L",
    "address1": "1 Rue",
    "city": "Lyon",
    "country": "FR",
    "zip": "69001",
}


def draft(
    reference: str | None = None,
    *,
    customer_id: int | None = None,
    email: str = "buyer@example.com",
    paid: bool = True,
) -> orders.OrderDraft:
    """Two lines: 2 × 25.00 (5.00 off, 4.50 tax → 49.50) and 1 × 10.00 (1.00 tax → 11.00);
    shipping 5.00; total 65.50."""
    lines = (
        orders.DraftLine(11, "SKU-A", "Mug", 2, D("25.00"), D("5.00"), D("4.50"), D("49.50")),
        orders.DraftLine(12, "SKU-B", "Tea", 1, D("10.00"), D("0.00"), D("1.00"), D("11.00")),
    )
    return orders.OrderDraft(
        reference=reference or f"saga-{uuid.uuid4()}",
        currency="EUR",
        email=email,
        lines=lines,
        subtotal=D("60.00"),
        discount_total=D("5.00"),
        shipping_total=D("5.00"),
        tax_total=D("5.50"),
        total=D("65.50"),
        customer_id=customer_id,
        shipping_address=ADDRESS,
        billing_address=ADDRESS,
        payment_reference=f"pi_{uuid.uuid4().hex[:12]}",
        paid=paid,
    )


async def outbox_events(db: Database, order_id: int) -> list[tuple[str, dict]]:
    async with db.reader(orders.CONTEXT) as uow:
        found = await uow.session.execute(
            sa.text(
                "SELECT type, payload FROM orders.outbox "
                "WHERE (payload->>'order_id')::bigint = :id ORDER BY id"
            ),
            {"id": order_id},
        )
        return [(r.type, r.payload) for r in found]
