"""The orders context's error tree: each carries a stable `code` and the `field` at fault."""

from __future__ import annotations


class OrdersError(Exception):
    code = "ORDERS_ERROR"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(OrdersError):
    code = "INVALID"


class NotFound(OrdersError):
    code = "NOT_FOUND"


class IllegalTransition(OrdersError):
    """The order's status does not allow this step (e.g. refunding a cancelled order)."""

    code = "ILLEGAL_TRANSITION"

    def __init__(self, current: str, target: str, field: str | None = None) -> None:
        super().__init__(f"an order that is {current} cannot become {target}", field)
        self.current = current
        self.target = target


class FulfilmentExceedsOrdered(OrdersError):
    code = "FULFILMENT_EXCEEDS_ORDERED"


class RefundExceedsPaid(OrdersError):
    code = "REFUND_EXCEEDS_PAID"


class ArchiveError(OrdersError):
    code = "ARCHIVE_ERROR"
