"""What the checkout context hands out: a saga's state, and the steps it moves through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

PROCESSING, COMPLETED, FAILED = "PROCESSING", "COMPLETED", "FAILED"
STATUSES = (PROCESSING, COMPLETED, FAILED)

OUT_OF_STOCK = "OUT_OF_STOCK"
PAYMENT_DECLINED = "PAYMENT_DECLINED"
PRICE_CHANGED = "PRICE_CHANGED"
DISCOUNT_INVALID = "DISCOUNT_INVALID"
PAYMENT_ERROR = "PAYMENT_ERROR"
EXPIRED = "EXPIRED"
REASONS = (OUT_OF_STOCK, PAYMENT_DECLINED, PRICE_CHANGED, DISCOUNT_INVALID, PAYMENT_ERROR, EXPIRED)

# the forward steps in order, then the one compensating step, then nothing left to do
VALIDATE, RESERVE, REDEEM, PAY, PLACE, FINISH = (
    "validate",
    "reserve",
    "redeem",
    "pay",
    "place",
    "finish",
)
STEPS = (VALIDATE, RESERVE, REDEEM, PAY, PLACE, FINISH)
COMPENSATE, DONE = "compensate", "done"
# a saga stuck before the charge may be given up (EXPIRED); after it, it is completed
EXPIRABLE = (VALIDATE, RESERVE, REDEEM, PAY)


def next_step(step: str) -> str:
    i = STEPS.index(step)
    return STEPS[i + 1] if i + 1 < len(STEPS) else DONE


@dataclass(frozen=True, slots=True)
class SagaDraft:
    """What `start` needs: the request, priced once so a reused key can be told apart."""

    idempotency_key: str
    cart_id: str
    customer_id: int | None
    email: str | None
    currency: str
    amount: int  # minor units
    gateway: str
    token: str
    shipping_address: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Saga:
    id: str
    idempotency_key: str
    cart_id: str
    customer_id: int | None
    email: str | None
    currency: str
    amount: int
    gateway: str
    token: str
    shipping_address: dict[str, Any] | None
    status: str
    reason: str | None
    step: str
    snapshot: dict[str, Any]
    order_id: int | None
    history: tuple[dict[str, Any], ...]
    created_at: datetime
    updated_at: datetime

    @property
    def terminal(self) -> bool:
        return self.status != PROCESSING

    def visible_to(self, customer_id: int | None) -> bool:
        """A customer's checkout answers to that customer only; a guest's to its id."""
        return self.customer_id is None or self.customer_id == customer_id
