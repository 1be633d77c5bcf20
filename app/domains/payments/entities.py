"""What the rest of the code sees of a payment."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PaymentStatus(StrEnum):
    # the authorize call is under way, or its answer was lost (a retry with the same
    # idempotency key finds out what happened)
    PENDING = "pending"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    VOIDED = "voided"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    FAILED = "failed"


@dataclass(frozen=True)
class Payment:
    """One payment for one reference (a checkout saga or an order). Amounts in minor units."""

    id: int
    reference: str
    amount: int
    currency: str
    gateway: str
    gateway_id: str | None
    status: PaymentStatus
    amount_captured: int
    amount_refunded: int
    # failed: `declined` (the card said no) or `error` (the processor refused the request)
    failure_outcome: str | None
    failure_code: str | None
    failure_message: str | None
    compensated: bool

    @property
    def captured(self) -> bool:
        """Money was taken (and not all of it given back)."""
        return self.status in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)

    @property
    def declined(self) -> bool:
        return self.status is PaymentStatus.FAILED and self.failure_outcome == "declined"

    @property
    def refundable(self) -> int:
        return self.amount_captured - self.amount_refunded
