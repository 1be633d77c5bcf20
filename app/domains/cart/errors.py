"""The cart's error tree: expected outcomes with stable codes, answered as `userErrors`."""

from __future__ import annotations


class CartError(Exception):
    code = "INVALID"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class CartNotFound(CartError):
    """No such cart, or one this viewer may not see (the two answer the same)."""

    code = "NOT_FOUND"


class InvalidCartId(CartError):
    code = "INVALID_ID"


class LineNotFound(CartError):
    code = "LINE_NOT_FOUND"


class InvalidQuantity(CartError):
    code = "INVALID_QUANTITY"


class TooManyLines(CartError):
    code = "TOO_MANY_LINES"


class UnknownMerchandise(CartError):
    code = "INVALID_MERCHANDISE_LINE"


class MerchandiseUnavailable(CartError):
    code = "MERCHANDISE_NOT_ENOUGH_STOCK"


class CurrencyMismatch(CartError):
    code = "CURRENCY_MISMATCH"


class InvalidDeliveryOption(CartError):
    code = "INVALID_DELIVERY_OPTION"


class CartBusy(CartError):
    """Too many concurrent writes to one cart: the client may retry."""

    code = "CART_BUSY"
