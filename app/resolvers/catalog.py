"""Catalog resolvers: parse arguments into domain inputs, call the catalog, return its objects."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.domains import catalog
from app.platform.ids import from_global_id
from app.platform.images import ImageError, Transform, public_url
from app.platform.pagination import page_request
from app.resolvers.context import Context
from app.resolvers.errors import ApiError, bad_input

ImageTransform = Transform
# `emporium serve` sets PUBLIC_URL from its host and port; this is its default port
DEFAULT_PUBLIC_URL = "http://localhost:8000"

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


def within_category(filter: catalog.ProductFilter, category_id: int) -> catalog.ProductFilter:
    """A category's own listing: the filter given, and inside this category."""
    return dataclasses.replace(filter, within_category_id=category_id)


def image_transform(
    max_width: int | None,
    max_height: int | None,
    crop: str | None,
    content_type: str | None,
    scale: int,
) -> Transform:
    try:
        return Transform(max_width, max_height, crop, content_type, scale).checked()
    except ImageError as exc:
        raise bad_input(exc.field or "transform", exc.message, exc.code) from None


def image_url(ctx: Context, url: str, transform: Transform | None) -> str:
    s = ctx.runtime.settings
    return public_url(s.public_url or DEFAULT_PUBLIC_URL, url, transform, s.secret_key)


async def variant_product(ctx: Context, variant: catalog.Variant) -> catalog.Product:
    p = await ctx.catalog.product.load(variant.product_id)
    if p is None:
        # only a product hidden between loading the variant and now: a variant always has one
        raise ApiError("NOT_FOUND", "the variant's product is no longer available")
    return p  # type: ignore[no-any-return]


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
) -> tuple[catalog.Page[catalog.Category], str, CategoryCount]:
    """A page of categories, the cursor kind its cursors carry, and what counts them."""
    parent = from_global_id(parent_id, "Category", field="parentId")[1] if parent_id else None
    kind = f"categories:tree:{parent}:{int(top_level)}"
    req = page_request(kind, first, after, last, before)
    async with ctx.runtime.db.reader(catalog.CONTEXT) as uow:
        page = await catalog.list_categories(uow, req, parent_id=parent, top_level=top_level)
    return page, kind, CategoryCount(parent, top_level)


@dataclass(frozen=True)
class CategoryCount:
    parent_id: int | None
    top_level: bool


async def count_categories(ctx: Context, c: CategoryCount) -> int:
    async with ctx.runtime.db.reader(catalog.CONTEXT) as uow:
        return await catalog.count_categories(uow, parent_id=c.parent_id, top_level=c.top_level)


# What `node(id:)` can fetch, by global type name.
_NODE_LOADERS = {
    "Product": lambda ctx: ctx.catalog.product,
    "ProductVariant": lambda ctx: ctx.catalog.variant,
    "Category": lambda ctx: ctx.catalog.category,
    "Brand": lambda ctx: ctx.catalog.brand,
    "ProductImage": lambda ctx: ctx.catalog.image,
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
