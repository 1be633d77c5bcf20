"""Search types, named as in Shopify's Storefront API: `ProductFilter`, `Filter`,
`FilterValue` (whose `input` is the JSON of a ProductFilter), `PredictiveSearchResult`."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from app.domains import search
from app.platform.ids import to_global_id
from app.resolvers import search as resolve
from app.resolvers.context import Context
from app.schema.catalog import Category, Product
from app.schema.common import Edge, PageInfo


@strawberry.enum(description="How to sort search results.")
class SearchSortKeys(Enum):
    RELEVANCE = "RELEVANCE"
    PRICE = "PRICE"
    CREATED_AT = "CREATED_AT"
    TITLE = "TITLE"

    def domain(self) -> search.SortKey:
        return search.SortKey[self.name]


@strawberry.input(description="A variant option value to match, such as Color = Red.")
class VariantOptionFilter:
    name: str
    value: str


@strawberry.input(description="Some variant's price within these bounds (both included).")
class PriceRangeFilter:
    min: Decimal | None = None
    max: Decimal | None = None


@strawberry.input(
    description="One facet value to filter search results by: pass a `FilterValue.input` "
    "back parsed. Values of one facet are OR-ed; different facets are AND-ed."
)
class ProductFilter:
    category: strawberry.ID | None = strawberry.field(
        default=None, description="A category: products in it or anywhere below it."
    )
    product_vendor: str | None = None
    variant_option: VariantOptionFilter | None = None
    available: bool | None = None
    price: PriceRangeFilter | None = None

    def domain(self) -> resolve.FilterInput:
        return resolve.FilterInput(
            category=str(self.category) if self.category is not None else None,
            product_vendor=self.product_vendor,
            variant_option=(self.variant_option.name, self.variant_option.value)
            if self.variant_option
            else None,
            available=self.available,
            price_min=self.price.min if self.price else None,
            price_max=self.price.max if self.price else None,
            has_price=self.price is not None,
        )


@strawberry.enum(description="How a filter's values are chosen.")
class FilterType(Enum):
    LIST = "LIST"
    PRICE_RANGE = "PRICE_RANGE"
    BOOLEAN = "BOOLEAN"


@strawberry.type(description="One value of a filter, with how many results have it.")
class FilterValue:
    id: str
    label: str
    count: int = strawberry.field(
        description="Results with this value, given every other active filter (disjunctive)."
    )
    input: str = strawberry.field(
        description='A JSON `ProductFilter` selecting this value, e.g. `{"productVendor":"Acme"}`.'
    )


@strawberry.type(description="A facet of the search results: category, vendor, an option, …")
class Filter:
    id: str
    label: str
    type: FilterType
    values: list[FilterValue] = strawberry.field(description="At most 100.")
    min_price: Decimal | None = strawberry.field(
        default=None, description="PRICE_RANGE: the lowest price among the results."
    )
    max_price: Decimal | None = strawberry.field(
        default=None, description="PRICE_RANGE: the highest price among the results."
    )


def _price_input(b: search.PriceBucket) -> str:
    """Buckets are [min, max); a price filter's bounds are both included: one cent less."""
    bounds = {"min": f"{b.min:.2f}"}
    if b.max is not None:
        bounds["max"] = f"{b.max - Decimal('0.01'):.2f}"
    return resolve.filter_input({"price": bounds})


def _filters(page: resolve.SearchPage) -> list[Filter]:
    f = page.facets
    if f is None:
        return []
    out = [
        Filter(
            id="filter.p.category",
            label="Category",
            type=FilterType.LIST,
            values=[
                FilterValue(
                    id=f"filter.p.category.{c.value}",
                    label=page.categories[int(c.value)].title,
                    count=c.count,
                    input=resolve.filter_input(
                        {"category": to_global_id("Category", int(c.value))}
                    ),
                )
                for c in f.categories
                if int(c.value) in page.categories
            ],
        ),
        Filter(
            id="filter.p.vendor",
            label="Brand",
            type=FilterType.LIST,
            values=[
                FilterValue(
                    id=f"filter.p.vendor.{c.value}",
                    label=c.value,
                    count=c.count,
                    input=resolve.filter_input({"productVendor": c.value}),
                )
                for c in f.vendors
            ],
        ),
    ]
    for name, values in sorted(f.options.items()):
        out.append(
            Filter(
                id=f"filter.v.option.{name}",
                label=name,
                type=FilterType.LIST,
                values=[
                    FilterValue(
                        id=f"filter.v.option.{name}.{c.value}",
                        label=c.value,
                        count=c.count,
                        input=resolve.filter_input(
                            {"variantOption": {"name": name, "value": c.value}}
                        ),
                    )
                    for c in values
                ],
            )
        )
    out.append(
        Filter(
            id="filter.v.availability",
            label="Availability",
            type=FilterType.BOOLEAN,
            values=[
                FilterValue(
                    id=f"filter.v.availability.{c.value}",
                    label="In stock" if c.value == "true" else "Out of stock",
                    count=c.count,
                    input=resolve.filter_input({"available": c.value == "true"}),
                )
                for c in f.availability
            ],
        )
    )
    out.append(
        Filter(
            id="filter.v.price",
            label="Price",
            type=FilterType.PRICE_RANGE,
            values=[
                FilterValue(
                    id=f"filter.v.price.{b.min}",
                    label=f"{b.min}–{b.max}" if b.max is not None else f"{b.min}+",
                    count=b.count,
                    input=_price_input(b),
                )
                for b in f.price_buckets
                if b.count
            ],
            min_price=f.price_min,
            max_price=f.price_max,
        )
    )
    return out


@strawberry.type(description="Search results: a page of products, their count and facets.")
class SearchProductConnection:
    edges: list[Edge[Product]]
    nodes: list[Product]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Matching products over all pages.")
    filters: list[Filter] = strawberry.field(
        description="Facets of the whole result (not just this page), with disjunctive "
        "counts: category, brand, availability, price and the 20 most common options."
    )

    @classmethod
    def from_page(cls, page: resolve.SearchPage, currency: str) -> SearchProductConnection:
        edges = [
            Edge(cursor=resolve.cursor(o), node=Product.from_domain(p, currency))
            for p, o in zip(page.products, page.offsets, strict=True)
        ]
        return cls(
            edges=edges,
            nodes=[e.node for e in edges],
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total,
            filters=_filters(page),
        )


@strawberry.type(description="A completed search query to offer while the shopper types.")
class SearchQuerySuggestion:
    text: str
    styled_text: str = strawberry.field(
        description="`text` as HTML with what was typed wrapped in `<mark>`."
    )


@strawberry.type(description="Search-as-you-type results.")
class PredictiveSearchResult:
    products: list[Product]
    categories: list[Category]
    queries: list[SearchQuerySuggestion]


def _selects(selections: list[Any], name: str) -> bool:
    """Whether `name` is among the selections, looking inside fragments too."""
    for sel in selections:
        if isinstance(sel, SelectedField):
            if sel.name == name:
                return True
        elif _selects(sel.selections, name):
            return True
    return False


def _wants_filters(info: Info[Context, None]) -> bool:
    # facets cost a few aggregations: computed only when the query asks for them
    return any(_selects(field.selections, "filters") for field in info.selected_fields)


async def search_products(
    info: Info[Context, None],
    query: str | None,
    filters: list[ProductFilter] | None,
    sort_key: SearchSortKeys,
    reverse: bool,
    first: int | None,
    after: str | None,
) -> SearchProductConnection:
    page = await resolve.search_products(
        info.context,
        text=query,
        filters=[f.domain() for f in filters or ()],
        sort=sort_key.domain(),
        reverse=reverse,
        first=first,
        after=after,
        with_facets=_wants_filters(info),
    )
    return SearchProductConnection.from_page(page, info.context.runtime.settings.currency_code)


async def predictive_search(
    info: Info[Context, None], query: str, limit: int
) -> PredictiveSearchResult:
    r = await resolve.predictive(info.context, query, limit)
    currency = info.context.runtime.settings.currency_code
    return PredictiveSearchResult(
        products=[Product.from_domain(p, currency) for p in r.products],
        categories=[Category.from_domain(c) for c in r.categories],
        queries=[SearchQuerySuggestion(text=t, styled_text=s) for t, s in r.queries],
    )
