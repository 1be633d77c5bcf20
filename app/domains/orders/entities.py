"""What the rest of the code sees of an order: frozen dataclasses, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

# An order line's id is `order id * LINE_SLOTS + its position` (1-based), so a line is
# addressed globally without a table of its own.
LINE_SLOTS = 1000
# Per order. They bound what a query may ask for (app/schema/cost.py), so they are kept
# near what a shop needs: a 100-line cart is already rare.
MAX_LINES = 100
MAX_FULFILLMENTS = 10
MAX_REFUNDS = 20
MAX_HISTORY = 2 + MAX_FULFILLMENTS + 2 + MAX_REFUNDS + 1  # placed, paid, …, shipped, delivered


@dataclass(frozen=True, slots=True)
class DraftLine:
    """A line as the checkout priced it: the price paid, never re-read from the catalog."""

    variant_id: int
    sku: str | None
    title: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """What `place_order` needs, from the checkout saga. `reference` (the saga id) makes
    placing idempotent. `paid`: the payment was captured, so the order starts PAID."""

    reference: str
    currency: str
    email: str
    lines: tuple[DraftLine, ...]
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    total: Decimal
    customer_id: int | None = None
    shipping_address: dict[str, Any] | None = None
    billing_address: dict[str, Any] | None = None
    payment_reference: str | None = None
    paid: bool = True


@dataclass(frozen=True, slots=True)
class OrderLine:
    id: int
    position: int
    variant_id: int
    sku: str | None
    title: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    fulfilled_quantity: int
    refunded_quantity: int


@dataclass(frozen=True, slots=True)
class Tracking:
    company: str | None = None
    number: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Fulfillment:
    created_at: datetime
    lines: tuple[tuple[int, int], ...]  # (line id, quantity)
    tracking: Tracking


@dataclass(frozen=True, slots=True)
class Transition:
    from_status: str | None
    to_status: str
    at: datetime
    reason: str | None


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    number: int
    reference: str
    status: str
    created_at: datetime
    updated_at: datetime
    currency: str
    email: str
    customer_id: int | None
    lines: tuple[OrderLine, ...]
    shipping_address: dict[str, Any] | None
    billing_address: dict[str, Any] | None
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    total: Decimal
    refunded_total: Decimal
    payment_reference: str | None
    fulfillments: tuple[Fulfillment, ...] = ()
    history: tuple[Transition, ...] = ()
    archived: bool = False

    @property
    def display_number(self) -> str:
        return f"#{self.number}"


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """`place_order`'s answer: the order, and whether this call created it. The lookup
    token is known only to the call that created it (only its hash is stored)."""

    order: Order
    created: bool
    lookup_token: str | None


@dataclass(frozen=True, slots=True)
class OrderFilter:
    status: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    customer_id: int | None = None


@dataclass(frozen=True, slots=True)
class ArchivedMonth:
    month: str  # YYYY-MM
    location: str
    orders: int


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[Order]
    keys: list[tuple[object, ...]]
    has_next_page: bool
    has_previous_page: bool
    total_count: int = field(default=0)
