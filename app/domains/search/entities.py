"""What the search context stores and answers: plain, immutable values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One product as search sees it: denormalised, everything facets and sorting need.

    `version` orders the documents of one product (the product's last change, in
    microseconds): an older version never overwrites a newer one.
    """

    product_id: int
    version: int
    handle: str
    title: str
    description: str = ""
    vendor: str | None = None
    product_type: str | None = None
    tags: tuple[str, ...] = ()
    category_id: int | None = None
    # the category and every category above it: a filter on "Clothing" finds "Clothing > Tops"
    category_ids: tuple[int, ...] = ()
    category_titles: tuple[str, ...] = ()
    # (option name, value) of every variant, deduplicated
    options: tuple[tuple[str, str], ...] = ()
    prices: tuple[Decimal, ...] = ()
    available: bool = True
    created_at: datetime | None = None

    @property
    def min_price(self) -> Decimal:
        return min(self.prices, default=Decimal(0))

    @property
    def max_price(self) -> Decimal:
        return max(self.prices, default=Decimal(0))


class SortKey(Enum):
    RELEVANCE = "relevance"
    PRICE = "price"
    CREATED_AT = "created_at"
    TITLE = "title"


@dataclass(frozen=True, slots=True)
class PriceRange:
    min: Decimal | None = None
    max: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    """Selected facet values. Values of one facet are alternatives (OR); facets combine (AND)."""

    category_ids: frozenset[int] = frozenset()
    vendors: frozenset[str] = frozenset()
    # option name → accepted values
    options: tuple[tuple[str, frozenset[str]], ...] = ()
    available: bool | None = None
    price: PriceRange | None = None

    def without(self, facet: str) -> Filters:
        """The same selection minus one facet's: what that facet's counts are computed on."""
        if facet == "category":
            return Filters(frozenset(), self.vendors, self.options, self.available, self.price)
        if facet == "vendor":
            return Filters(self.category_ids, frozenset(), self.options, self.available, self.price)
        if facet == "available":
            return Filters(self.category_ids, self.vendors, self.options, None, self.price)
        if facet == "price":
            return Filters(self.category_ids, self.vendors, self.options, self.available, None)
        if facet.startswith("option:"):
            name = facet.removeprefix("option:")
            rest = tuple((n, v) for n, v in self.options if n != name)
            return Filters(self.category_ids, self.vendors, rest, self.available, self.price)
        raise ValueError(facet)


# price facet buckets: [edge, next edge); the last is open-ended
# The version of a removal for a product gone from the catalog (a hard delete): above any
# real version (µs since 1970), so no stale document of it, from a late event or a
# reindex that read it before the delete, ever brings it back. Ids are never reused.
GONE = 2**62

PRICE_EDGES: tuple[Decimal, ...] = tuple(Decimal(x) for x in (0, 25, 50, 100, 200, 500))


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str = ""
    filters: Filters = field(default_factory=Filters)
    sort: SortKey = SortKey.RELEVANCE
    reverse: bool = False
    offset: int = 0
    limit: int = 20
    with_facets: bool = True


@dataclass(frozen=True, slots=True)
class FacetCount:
    """`value` is the facet's raw key: a category id, a vendor, an option value, "true"."""

    value: str
    count: int


@dataclass(frozen=True, slots=True)
class PriceBucket:
    min: Decimal
    max: Decimal | None
    count: int


@dataclass(frozen=True, slots=True)
class Facets:
    categories: list[FacetCount]
    vendors: list[FacetCount]
    # option name → its values' counts
    options: dict[str, list[FacetCount]]
    availability: list[FacetCount]
    price_buckets: list[PriceBucket]
    price_min: Decimal | None
    price_max: Decimal | None


@dataclass(frozen=True, slots=True)
class SearchResult:
    product_ids: list[int]
    total: int
    facets: Facets | None


@dataclass(frozen=True, slots=True)
class Suggestions:
    product_ids: list[int]
    category_ids: list[int]
    queries: list[str]
