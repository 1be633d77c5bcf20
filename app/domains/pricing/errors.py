"""The pricing context's error tree: each carries a stable `code` and the `field` at fault."""

from __future__ import annotations


class PricingError(Exception):
    code = "PRICING_ERROR"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(PricingError):
    code = "INVALID"


class NotFound(PricingError):
    code = "NOT_FOUND"


class CodeTaken(PricingError):
    code = "TAKEN"


class DiscountRejected(PricingError):
    """`redeem` found a code it cannot use any more (limit, dates, gone): nothing redeemed."""

    def __init__(self, code: str, error_code: str) -> None:
        super().__init__(f"discount code {code!r} cannot be used: {error_code}", "discountCodes")
        self.discount_code = code
        self.code = error_code  # type: ignore[misc]
