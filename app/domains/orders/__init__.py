"""The orders context: orders placed by the checkout saga, their lifecycle (fulfil, ship,
deliver, cancel, refund), reads for customers, guests and staff, and archiving old months.

Orders live in `orders.orders`, range-partitioned by month; `orders.order_index` finds
any order, live or archived, by id, number or checkout reference. Other code uses only
what this module exports.
"""

from app.domains.orders.entities import (
    LINE_SLOTS,
    MAX_FULFILLMENTS,
    MAX_HISTORY,
    MAX_LINES,
    ArchivedMonth,
    DraftLine,
    Fulfillment,
    Order,
    OrderDraft,
    OrderFilter,
    OrderLine,
    OrderPage,
    PlacedOrder,
    Tracking,
    Transition,
)
from app.domains.orders.errors import (
    ArchiveError,
    FulfilmentExceedsOrdered,
    IllegalTransition,
    InvalidInput,
    NotFound,
    OrdersError,
    RefundExceedsPaid,
)
from app.domains.orders.service import *  # noqa: F403
from app.domains.orders.service import __all__ as _service_all
from app.domains.orders.states import STATUSES, can_transition, transition

CONTEXT = "orders"

__all__ = [
    "CONTEXT",
    "LINE_SLOTS",
    "MAX_FULFILLMENTS",
    "MAX_HISTORY",
    "MAX_LINES",
    "STATUSES",
    "ArchiveError",
    "ArchivedMonth",
    "DraftLine",
    "Fulfillment",
    "FulfilmentExceedsOrdered",
    "IllegalTransition",
    "InvalidInput",
    "NotFound",
    "Order",
    "OrderDraft",
    "OrderFilter",
    "OrderLine",
    "OrderPage",
    "OrdersError",
    "PlacedOrder",
    "RefundExceedsPaid",
    "Tracking",
    "Transition",
    "can_transition",
    "transition",
    *_service_all,
]
