"""Search resolvers: parse arguments into a SearchQuery, ask the search context, and load
the products it names through the catalog's DataLoaders (so `Product` is the one type)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from app.domains import catalog, search
from app.platform.ids import from_global_id
from app.platform.pagination import MAX_PAGE_SIZE, PaginationError, decode_cursor, encode_cursor
from app.resolvers.context import Context
from app.resolvers.errors import bad_input

MAX_FILTERS = 50
CURSOR_KIND = "search"


@dataclass(frozen=True)
class FilterInput:
    """One `ProductFilter`: the facet value it names (any field left out is not a filter)."""

    category: str | None = None
    product_vendor: str | None = None
    variant_option: tuple[str, str] | None = None
    available: bool | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    has_price: bool = False


@dataclass(frozen=True)
class SearchPage:
    products: list[catalog.Product]
    offsets: list[int]
    total: int
    has_next_page: bool
    has_previous_page: bool
    facets: search.Facets | None
    categories: dict[int, catalog.Category]


def service(ctx: Context) -> search.SearchService:
    svc: search.SearchService = ctx.runtime.extra["search"]
    return svc


def filters_of(inputs: Sequence[FilterInput]) -> search.Filters:
    """Values of one facet are alternatives; facets combine."""
    if len(inputs) > MAX_FILTERS:
        raise bad_input("filters", f"at most {MAX_FILTERS} filters")
    cats: set[int] = set()
    vendors: set[str] = set()
    options: dict[str, set[str]] = {}
    available: bool | None = None
    price: search.PriceRange | None = None
    for f in inputs:
        if f.category is not None:
            cats.add(from_global_id(f.category, "Category", field="filters.category")[1])
        if f.product_vendor is not None:
            vendors.add(f.product_vendor)
        if f.variant_option is not None:
            options.setdefault(f.variant_option[0], set()).add(f.variant_option[1])
        if f.available is not None:
            available = f.available
        if f.has_price:
            for name, bound in (("min", f.price_min), ("max", f.price_max)):
                if bound is not None and (
                    not bound.is_finite() or not 0 <= bound <= catalog.MAX_PRICE
                ):
                    raise bad_input(
                        f"filters.price.{name}", f"a price bound is from 0 to {catalog.MAX_PRICE}"
                    )
            price = search.PriceRange(f.price_min, f.price_max)
    return search.Filters(
        category_ids=frozenset(cats),
        vendors=frozenset(vendors),
        options=tuple((n, frozenset(v)) for n, v in sorted(options.items())),
        available=available,
        price=price,
    )


def _offset(after: str | None) -> int:
    if after is None:
        return 0
    key = decode_cursor(CURSOR_KIND, after, "after")
    if len(key) != 1 or not isinstance(key[0], int) or isinstance(key[0], bool) or key[0] < 0:
        raise PaginationError("INVALID_CURSOR", "after", "`after` is not a valid cursor")
    return key[0] + 1


def cursor(offset: int) -> str:
    return encode_cursor(CURSOR_KIND, (offset,))


async def search_products(
    ctx: Context,
    *,
    text: str | None,
    filters: Sequence[FilterInput],
    sort: search.SortKey,
    reverse: bool,
    first: int | None,
    after: str | None,
    with_facets: bool,
) -> SearchPage:
    limit = 20 if first is None else first
    if not 0 <= limit <= MAX_PAGE_SIZE:
        raise PaginationError(
            "PAGE_SIZE_EXCEEDED", "first", f"`first` is from 0 to {MAX_PAGE_SIZE}"
        )
    offset = _offset(after)
    result = await service(ctx).search(
        search.SearchQuery(
            text=text or "",
            filters=filters_of(filters),
            sort=sort,
            reverse=reverse,
            offset=offset,
            limit=limit,
            with_facets=with_facets,
        )
    )
    found = await ctx.catalog.product.load_many(result.product_ids)
    # a product archived since it was indexed is left out (the index follows shortly)
    pairs = [(p, offset + i) for i, p in enumerate(found) if p is not None]
    categories: dict[int, catalog.Category] = {}
    if result.facets is not None and result.facets.categories:
        ids = [int(c.value) for c in result.facets.categories]
        loaded = await ctx.catalog.category.load_many(ids)
        categories = {c.id: c for c in loaded if c is not None}
    return SearchPage(
        products=[p for p, _ in pairs],
        offsets=[o for _, o in pairs],
        total=result.total,
        has_next_page=offset + len(result.product_ids) < result.total,
        has_previous_page=offset > 0,
        facets=result.facets,
        categories=categories,
    )


@dataclass(frozen=True)
class Predictive:
    products: list[catalog.Product]
    categories: list[catalog.Category]
    queries: list[tuple[str, str]]


async def predictive(ctx: Context, text: str, limit: int) -> Predictive:
    s = await service(ctx).predictive(text, limit)
    products = await ctx.catalog.product.load_many(s.product_ids)
    categories = await ctx.catalog.category.load_many(s.category_ids)
    folded = " ".join(search.Analyzer().prefix_text(text).split())
    return Predictive(
        products=[p for p in products if p is not None],
        categories=[c for c in categories if c is not None],
        queries=[(q, styled(q, folded)) for q in s.queries],
    )


def styled(suggestion: str, typed: str) -> str:
    """The suggestion as HTML, what the shopper typed marked: `<mark>comfy so</mark>fa`."""
    if typed and suggestion.startswith(typed):
        return f"<mark>{html.escape(typed)}</mark>{html.escape(suggestion[len(typed) :])}"
    return html.escape(suggestion)


def filter_input(value: dict[str, Any]) -> str:
    """The JSON a client passes back as a `ProductFilter` (Shopify's convention)."""
    return orjson.dumps(value).decode()
