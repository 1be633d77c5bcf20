"""Catalog resolvers: parse arguments into domain inputs, call the catalog, return its objects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.domains import catalog
from app.platform.ids import from_global_id
from app.platform.pagination import page_request
from app.resolvers.context import Context
from app.resolvers.errors import bad_input

MAX_ATTRIBUTE_FILTERS = 20
MAX_NODES = 100


@dataclass(frozen=True)
class ProductListing:
    page: catalog.Page[catalog.Product]
    filter: catalog.ProductFilter
    sort_key: catalog.ProductSortKey
    reverse: bool


def product_cursor_kind(sort_key: catalog.ProductSortKey, reverse: bool) -> str:
    return f"products:{sort_key.name}:{int(reverse)}"


def product_filter(
    category_id: str | None,
    brand: str | None,
    attributes: Sequence[tuple[str, str]],
    min_price: Decimal | None,
    max_price: Decimal | None,
) -> catalog.ProductFilter:
    if len(attributes) > MAX_ATTRIBUTE_FILTERS:
        raise bad_input("filter.attributes", f"at most {MAX_ATTRIBUTE_FILTERS} attribute filters")
    for name, bound in (("filter.price.min", min_price), ("filter.price.max", max_price)):
        if bound is not None and (not bound.is_finite() or not 0 <= bound <= catalog.MAX_PRICE):
            raise bad_input(name, f"a price bound must be a number from 0 to {catalog.MAX_PRICE}")
    cat = (
        from_global_id(category_id, "Category", field="filter.categoryId")[1]
        if category_id is not None
        else None
    )
    return catalog.ProductFilter(
        category_id=cat,
        brand=brand.strip() if brand else None,
        attributes=tuple(catalog.AttributeFilter(n, v) for n, v in attributes),
        min_price=min_price,
        max_price=max_price,
    )


async def products(
    ctx: Context,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    filter: catalog.ProductFilter,
    sort_key: catalog.ProductSortKey,
    reverse: bool,
) -> ProductListing:
    req = page_request(product_cursor_kind(sort_key, reverse), first, after, last, before)
    query = catalog.product_query(filter, req, sort_key, reverse)
    page = await ctx.catalog.product_page.load(query)
    return ProductListing(page, filter, sort_key, reverse)


async def count_products(ctx: Context, filter: catalog.ProductFilter) -> int:
    return await ctx.catalog.product_count.load(filter)  # type: ignore[no-any-return]


def _one_of(id: str | None, handle: str | None) -> None:
    if (id is None) == (handle is None):
        raise bad_input("id", "pass exactly one of `id` or `handle`")


async def product(ctx: Context, id: str | None, handle: str | None) -> catalog.Product | None:
    _one_of(id, handle)
    if id is not None:
        return await ctx.catalog.product.load(from_global_id(id, "Product")[1])  # type: ignore[no-any-return]
    return await ctx.catalog.product_by_handle.load(handle)  # type: ignore[no-any-return]


async def category(ctx: Context, id: str | None, handle: str | None) -> catalog.Category | None:
    _one_of(id, handle)
    if id is not None:
        return await ctx.catalog.category.load(from_global_id(id, "Category")[1])  # type: ignore[no-any-return]
    return await ctx.catalog.category_by_handle.load(handle)  # type: ignore[no-any-return]


async def categories(
    ctx: Context,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    parent_id: str | None,
    top_level: bool,
) -> tuple[catalog.Page[catalog.Category], str]:
    """A page of categories and the cursor kind its cursors carry."""
    parent = from_global_id(parent_id, "Category", field="parentId")[1] if parent_id else None
    kind = f"categories:{parent}:{int(top_level)}"
    req = page_request(kind, first, after, last, before)
    async with ctx.runtime.db.reader(catalog.CONTEXT) as uow:
        page = await catalog.list_categories(uow, req, parent_id=parent, top_level=top_level)
    return page, kind


# What `node(id:)` can fetch, by global type name.
_NODE_LOADERS = {
    "Product": lambda ctx: ctx.catalog.product,
    "ProductVariant": lambda ctx: ctx.catalog.variant,
    "Category": lambda ctx: ctx.catalog.category,
    "Brand": lambda ctx: ctx.catalog.brand,
}


async def nodes(ctx: Context, ids: Sequence[str]) -> list[tuple[str, Any] | None]:
    """Objects for global IDs (None where absent), each type fetched in one batch."""
    if len(ids) > MAX_NODES:
        raise bad_input("ids", f"at most {MAX_NODES} ids per request", "PAGE_SIZE_EXCEEDED")
    parsed = [from_global_id(gid, *_NODE_LOADERS) for gid in ids]
    # every load is issued before any is awaited, so each type is one batch
    loaded = [_NODE_LOADERS[t](ctx).load(pk) for t, pk in parsed]
    out: list[tuple[str, Any] | None] = []
    for (type_name, _), fut in zip(parsed, loaded, strict=True):
        obj = await fut
        out.append((type_name, obj) if obj is not None else None)
    return out
