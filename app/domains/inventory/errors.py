"""The inventory's error tree: each error carries what the caller needs to answer."""

from __future__ import annotations

from collections.abc import Iterable


class InventoryError(Exception):
    code = "INVENTORY_ERROR"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class OutOfStock(InventoryError):
    """Not enough available stock for these variants: nothing was reserved."""

    code = "OUT_OF_STOCK"

    def __init__(self, variant_ids: Iterable[int]) -> None:
        self.variant_ids = tuple(sorted(set(variant_ids)))
        super().__init__(f"not enough stock for variants {list(self.variant_ids)}", "lines")


class InvalidQuantity(InventoryError):
    code = "INVALID_QUANTITY"


class NotFound(InventoryError):
    """The warehouse, variant stock or reservation named does not exist."""

    code = "NOT_FOUND"


class ReservationClosed(InventoryError):
    """confirm() of a released reservation, or release() of a confirmed one."""

    code = "RESERVATION_CLOSED"

    def __init__(self, saga_id: str, status: str) -> None:
        self.saga_id = saga_id
        self.status = status
        super().__init__(f"reservation {saga_id!r} is already {status}")


class BelowReserved(InventoryError):
    """on_hand may not drop below what is reserved for checkouts in progress."""

    code = "BELOW_RESERVED"
