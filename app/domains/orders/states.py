"""The order lifecycle as a pure function: which status may follow which.

One status per order. Fulfilment moves forward (PAID → PARTIALLY_FULFILLED → FULFILLED →
SHIPPED → DELIVERED); a refund, from any paid status, moves the order onto the refund track
(PARTIALLY_REFUNDED → REFUNDED), after which it is not fulfilled further. Cancelling is for
orders nothing has been fulfilled from yet. CANCELLED and REFUNDED are final.
"""

from __future__ import annotations

from app.domains.orders.errors import IllegalTransition

PLACED = "PLACED"
PAID = "PAID"
PARTIALLY_FULFILLED = "PARTIALLY_FULFILLED"
FULFILLED = "FULFILLED"
SHIPPED = "SHIPPED"
DELIVERED = "DELIVERED"
CANCELLED = "CANCELLED"
PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
REFUNDED = "REFUNDED"

STATUSES: tuple[str, ...] = (
    PLACED,
    PAID,
    PARTIALLY_FULFILLED,
    FULFILLED,
    SHIPPED,
    DELIVERED,
    CANCELLED,
    PARTIALLY_REFUNDED,
    REFUNDED,
)

_REFUNDS = frozenset({PARTIALLY_REFUNDED, REFUNDED})

# status → the statuses it may move to (a partial step may repeat: a second partial
# fulfilment or partial refund keeps the status)
ALLOWED: dict[str, frozenset[str]] = {
    PLACED: frozenset({PAID, CANCELLED}),
    PAID: frozenset({PARTIALLY_FULFILLED, FULFILLED, CANCELLED}) | _REFUNDS,
    PARTIALLY_FULFILLED: frozenset({PARTIALLY_FULFILLED, FULFILLED}) | _REFUNDS,
    FULFILLED: frozenset({SHIPPED}) | _REFUNDS,
    SHIPPED: frozenset({DELIVERED}) | _REFUNDS,
    DELIVERED: _REFUNDS,
    PARTIALLY_REFUNDED: _REFUNDS,
    CANCELLED: frozenset(),
    REFUNDED: frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())


def transition(current: str, target: str) -> str:
    """`target` if an order in `current` may move there, else `IllegalTransition`
    (code ILLEGAL_TRANSITION) naming both."""
    if current not in ALLOWED or target not in ALLOWED:
        raise IllegalTransition(current, target)
    if not can_transition(current, target):
        raise IllegalTransition(current, target)
    return target
