"""The checkout context: the checkout saga's record (one per idempotency key), its steps
and history, in the `checkout` schema. The steps themselves call the other contexts from
app/workers/checkout.py; other code uses only what this module exports.
"""

from app.domains.checkout.entities import (
    COMPENSATE,
    COMPLETED,
    DISCOUNT_INVALID,
    DONE,
    EXPIRED,
    FAILED,
    FINISH,
    OUT_OF_STOCK,
    PAY,
    PAYMENT_DECLINED,
    PAYMENT_ERROR,
    PLACE,
    PRICE_CHANGED,
    PROCESSING,
    REASONS,
    REDEEM,
    RESERVE,
    STATUSES,
    STEPS,
    VALIDATE,
    Saga,
    SagaDraft,
    next_step,
)
from app.domains.checkout.errors import CheckoutError, IdempotencyKeyReused, NotFound
from app.domains.checkout.events import CheckoutStatusChanged
from app.domains.checkout.service import (
    advance,
    by_key,
    expire,
    fail,
    get,
    start,
    stuck,
    touch,
)

CONTEXT = "checkout"

__all__ = [
    "COMPENSATE",
    "COMPLETED",
    "CONTEXT",
    "DISCOUNT_INVALID",
    "DONE",
    "EXPIRED",
    "FAILED",
    "FINISH",
    "OUT_OF_STOCK",
    "PAY",
    "PAYMENT_DECLINED",
    "PAYMENT_ERROR",
    "PLACE",
    "PRICE_CHANGED",
    "PROCESSING",
    "REASONS",
    "REDEEM",
    "RESERVE",
    "STATUSES",
    "STEPS",
    "VALIDATE",
    "CheckoutError",
    "CheckoutStatusChanged",
    "IdempotencyKeyReused",
    "NotFound",
    "Saga",
    "SagaDraft",
    "advance",
    "by_key",
    "expire",
    "fail",
    "get",
    "next_step",
    "start",
    "stuck",
    "touch",
]
