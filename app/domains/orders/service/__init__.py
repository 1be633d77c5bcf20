"""Orders use cases: placing (the saga), the lifecycle steps (staff), reads, archiving."""

from app.domains.orders.service.archive import archive_before
from app.domains.orders.service.lifecycle import (
    cancel,
    fulfil,
    mark_delivered,
    mark_paid,
    mark_shipped,
    refund,
)
from app.domains.orders.service.partitions import (
    ensure_partition,
    ensure_partitions,
    list_partitions,
)
from app.domains.orders.service.placement import place_order
from app.domains.orders.service.queries import (
    get_order,
    get_order_by_number,
    list_orders,
    lookup_guest_order,
)

__all__ = [
    "archive_before",
    "cancel",
    "ensure_partition",
    "ensure_partitions",
    "fulfil",
    "get_order",
    "get_order_by_number",
    "list_orders",
    "list_partitions",
    "lookup_guest_order",
    "mark_delivered",
    "mark_paid",
    "mark_shipped",
    "place_order",
    "refund",
]
