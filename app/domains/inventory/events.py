"""Events the inventory publishes."""

from typing import ClassVar, Literal

from app.platform.events import Event


class AvailabilityChanged(Event):
    """A variant's sellable quantity crossed a line shoppers care about.

    `change` says which: sold out, back in stock, or down to the low-stock threshold.
    Consumers (search, notifications) reload availability when they need the figure.
    """

    type_name: ClassVar[str] = "inventory.AvailabilityChanged.v1"

    variant_id: int
    available: int
    previous: int
    change: Literal["out_of_stock", "back_in_stock", "low_stock"]
