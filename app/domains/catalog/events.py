"""Events the catalog publishes."""

from typing import ClassVar, Literal

from app.platform.events import Event


class ProductChanged(Event):
    """A product, one of its variants, images or attributes was created or changed.

    Consumers reload the product by id: the event says *that*, not *what*.
    """

    type_name: ClassVar[str] = "catalog.ProductChanged.v1"

    product_id: int
    handle: str
    change: Literal["created", "updated", "deleted"]
