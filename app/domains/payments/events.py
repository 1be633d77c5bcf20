"""Events the payments context publishes. Amounts in minor units of `currency`."""

from typing import ClassVar

from app.platform.events import Event


class _PaymentEvent(Event):
    payment_id: int
    reference: str
    currency: str
    gateway: str
    gateway_id: str | None


class PaymentAuthorized(_PaymentEvent):
    type_name: ClassVar[str] = "payments.PaymentAuthorized.v1"

    amount: int


class PaymentCaptured(_PaymentEvent):
    type_name: ClassVar[str] = "payments.PaymentCaptured.v1"

    amount: int  # captured by this capture


class PaymentRefunded(_PaymentEvent):
    type_name: ClassVar[str] = "payments.PaymentRefunded.v1"

    amount: int  # given back by this refund
    amount_refunded: int  # given back in all
    # compensation (the saga gave up), late_charge (a charge that landed after it had),
    # requested (staff, a partial refund) or gateway (reported by Stripe)
    reason: str


class PaymentVoided(_PaymentEvent):
    type_name: ClassVar[str] = "payments.PaymentVoided.v1"

    amount: int


class PaymentFailed(_PaymentEvent):
    type_name: ClassVar[str] = "payments.PaymentFailed.v1"

    amount: int
    outcome: str  # declined | error
    code: str | None
    message: str | None
