"""Events the orders context publishes. The money and stock side of a cancellation or a
refund is done by whoever reacts to them (the checkout saga / payments, inventory)."""

from typing import ClassVar

from app.platform.events import Event


class OrderPlaced(Event):
    """A checkout became an order. `lookup_token` is the guest lookup secret, here once so
    the confirmation e-mail can link to `orderByNumber` (only its hash is stored)."""

    type_name: ClassVar[str] = "orders.OrderPlaced.v1"

    order_id: int
    number: int
    reference: str
    status: str
    customer_id: int | None
    email: str
    currency: str
    total: str
    lookup_token: str


class OrderUpdated(Event):
    """The order's status or contents changed (subscriptions and notifications react)."""

    type_name: ClassVar[str] = "orders.OrderUpdated.v1"

    order_id: int
    number: int
    status: str
    previous_status: str


class OrderCancelled(Event):
    """Staff cancelled the order: void or refund `amount` of `payment_reference` and
    release the stock of `lines` ([{variant_id, quantity}])."""

    type_name: ClassVar[str] = "orders.OrderCancelled.v1"

    order_id: int
    number: int
    reference: str
    payment_reference: str | None
    currency: str
    amount: str
    reason: str | None
    lines: list[dict[str, int]]


class RefundRequested(Event):
    """Staff refunded part or all of the order: refund `amount` at the gateway. `refund_id`
    is unique per refund, the gateway's idempotency key."""

    type_name: ClassVar[str] = "orders.RefundRequested.v1"

    order_id: int
    number: int
    refund_id: str
    payment_reference: str | None
    currency: str
    amount: str
    lines: list[dict[str, int]]
