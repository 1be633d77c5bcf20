"""The PaymentGateway protocol: what the payments service asks of a card processor.

Every call carries an idempotency key: the same key sent again (a retried saga step, a
request whose answer was lost) returns the first answer and never moves money twice.
Answers are normalised to `GatewayResult`: approved, declined (with the processor's reason)
or error (with whether retrying may help).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    ERROR = "error"


@dataclass(frozen=True)
class GatewayResult:
    """One gateway answer.

    `gateway_id` names the payment at the processor (Stripe: the PaymentIntent) and stays
    the same for every call about it; `transaction_id` names what this call created when
    that is something else (a refund's id). `amount` is in minor units: what was
    authorized, captured, voided or refunded by this call.
    """

    outcome: Outcome
    gateway_id: str | None = None
    amount: int = 0
    transaction_id: str | None = None
    # declined: the processor's decline code (card_declined, insufficient_funds, …);
    # error: a short machine-readable cause (timeout, rate_limited, unavailable, …)
    code: str | None = None
    message: str | None = None
    retryable: bool = False

    @property
    def approved(self) -> bool:
        return self.outcome is Outcome.APPROVED

    @staticmethod
    def approve(gateway_id: str, amount: int, transaction_id: str | None = None) -> GatewayResult:
        return GatewayResult(Outcome.APPROVED, gateway_id, amount, transaction_id)

    @staticmethod
    def decline(code: str, message: str, gateway_id: str | None = None) -> GatewayResult:
        return GatewayResult(Outcome.DECLINED, gateway_id, code=code, message=message)

    @staticmethod
    def error(
        code: str, message: str, *, retryable: bool, gateway_id: str | None = None
    ) -> GatewayResult:
        return GatewayResult(
            Outcome.ERROR, gateway_id, code=code, message=message, retryable=retryable
        )


class PaymentGateway(Protocol):
    """A card processor. Amounts are minor units; currency an ISO 4217 code."""

    name: str

    async def authorize(
        self, amount: int, currency: str, token: str, idempotency_key: str, reference: str
    ) -> GatewayResult:
        """Hold `amount` on the card `token` stands for (not yet charged)."""
        ...

    async def capture(self, gateway_id: str, amount: int, idempotency_key: str) -> GatewayResult:
        """Charge up to the authorized amount."""
        ...

    async def void(self, gateway_id: str, idempotency_key: str) -> GatewayResult:
        """Release an authorization that was never captured."""
        ...

    async def refund(self, payment: str, amount: int | None, idempotency_key: str) -> GatewayResult:
        """Give back `amount` (all that is left when None) of a captured payment."""
        ...
