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


class CategoryChanged(Event):
    """A category was created, renamed or deleted: product documents that show its title
    (search) reload it by id."""

    type_name: ClassVar[str] = "catalog.CategoryChanged.v1"

    category_id: int
    handle: str
    change: Literal["created", "updated", "deleted"]
