"""The inventory context: warehouses, stock per variant and warehouse, the movement
ledger, reservations for the checkout saga, and shoppers' availability (Redis hot counts).

Other code uses only what this module exports. Every use case takes a unit of work on
this context (`db.uow(inventory.CONTEXT)`, or `db.reader(...)` for reads) and, where it
changes or reads availability, an optional Redis client for the hot counts.
"""

from app.domains.inventory.entities import (
    Mismatch,
    Reservation,
    ReservationLine,
    ReservationStatus,
    StockLevel,
    Warehouse,
)
from app.domains.inventory.errors import (
    BelowReserved,
    InvalidQuantity,
    InventoryError,
    NotFound,
    OutOfStock,
    ReservationClosed,
)
from app.domains.inventory.events import AvailabilityChanged
from app.domains.inventory.service.ledger import DEFAULT_LOW_STOCK
from app.domains.inventory.service.reservations import confirm, release, reserve
from app.domains.inventory.service.stock import (
    adjust,
    available_quantities,
    check,
    count_stock_levels,
    create_warehouse,
    is_empty,
    set_on_hand,
    stock_initial,
    stock_levels,
    warehouses,
)
from app.domains.inventory.service.sweep import release_expired

CONTEXT = "inventory"

__all__ = [
    "CONTEXT",
    "DEFAULT_LOW_STOCK",
    "AvailabilityChanged",
    "BelowReserved",
    "InvalidQuantity",
    "InventoryError",
    "Mismatch",
    "NotFound",
    "OutOfStock",
    "Reservation",
    "ReservationClosed",
    "ReservationLine",
    "ReservationStatus",
    "StockLevel",
    "Warehouse",
    "adjust",
    "available_quantities",
    "check",
    "confirm",
    "count_stock_levels",
    "create_warehouse",
    "is_empty",
    "release",
    "release_expired",
    "reserve",
    "set_on_hand",
    "stock_initial",
    "stock_levels",
    "warehouses",
]
