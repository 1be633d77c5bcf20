"""The checkout context's error tree (mapped to userErrors in app/resolvers/errors.py)."""

from __future__ import annotations


class CheckoutError(Exception):
    code = "CHECKOUT_INVALID"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class IdempotencyKeyReused(CheckoutError):
    """The key already names a checkout of another cart, amount or buyer."""

    code = "IDEMPOTENCY_KEY_REUSED"


class NotFound(CheckoutError):
    code = "NOT_FOUND"
