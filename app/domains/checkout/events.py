"""Events the checkout context publishes."""

from typing import ClassVar

from app.platform.events import Event


class CheckoutStatusChanged(Event):
    """The saga's status changed (PROCESSING → COMPLETED or FAILED): live subscribers
    (`Subscription.checkoutStatus`) re-read it."""

    type_name: ClassVar[str] = "checkout.CheckoutStatusChanged.v1"

    checkout_id: str
    status: str
    reason: str | None = None
