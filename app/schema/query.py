"""The root Query."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from app.domains import catalog
from app.planner import each, planned
from app.resolvers import catalog as resolve
from app.resolvers.context import Context
from app.schema.catalog import (
    Brand,
    Category,
    CategoryConnection,
    First,
    Image,
    Last,
    Product,
    ProductConnection,
    ProductFilterInput,
    ProductSortKeys,
    ProductVariant,
    list_products,
    list_products_in,
)
from app.schema.common import Node, keyset_edges
from app.schema.search import (
    PredictiveSearchResult,
    ProductFilter,
    SearchProductConnection,
    SearchSortKeys,
    predictive_search,
    search_products,
)


def _node(info: Info[Context, None], found: tuple[str, object] | None) -> Node | None:
    return _node_in(info.context, found)


def _node_in(ctx: Context, found: tuple[str, object] | None) -> Node | None:
    if found is None:
        return None
    type_name, obj = found
    currency = ctx.runtime.settings.currency_code
    if type_name == "Product":
        return Product.from_domain(obj, currency)  # type: ignore[arg-type]
    if type_name == "ProductVariant":
        return ProductVariant.from_domain(obj, currency)  # type: ignore[arg-type]
    if type_name == "Category":
        return Category.from_domain(obj)  # type: ignore[arg-type]
    if type_name == "Brand":
        return Brand.from_domain(obj)  # type: ignore[arg-type]
    if type_name == "ProductImage":
        return Image.from_domain(obj)  # type: ignore[arg-type]
    return None


async def _products(root: object, kw: dict[str, Any], ctx: Context) -> ProductConnection:
    f = kw["filter"].domain() if kw.get("filter") else catalog.ProductFilter()
    return await list_products_in(
        ctx, kw.get("first"), kw.get("after"), kw.get("last"), kw.get("before"), f,
        kw.get("sort_key", ProductSortKeys.ID), kw.get("reverse", False),
    )  # fmt: skip


async def _product(root: object, kw: dict[str, Any], ctx: Context) -> Product | None:
    p = await resolve.product(ctx, kw.get("id"), kw.get("handle"))
    return Product.from_domain(p, ctx.runtime.settings.currency_code) if p else None


async def _category(root: object, kw: dict[str, Any], ctx: Context) -> Category | None:
    c = await resolve.category(ctx, kw.get("id"), kw.get("handle"))
    return Category.from_domain(c) if c else None


async def _categories(root: object, kw: dict[str, Any], ctx: Context) -> CategoryConnection:
    page, kind, count = await resolve.categories(
        ctx,
        first=kw.get("first"),
        after=kw.get("after"),
        last=kw.get("last"),
        before=kw.get("before"),
        parent_id=kw.get("parent_id"),
        top_level=kw.get("top_level", False),
    )
    return _category_connection(page, kind, count)


def _category_connection(
    page: catalog.Page[catalog.Category], kind: str, count: resolve.CategoryCount
) -> CategoryConnection:
    edges, page_info = keyset_edges(
        kind,
        [Category.from_domain(c) for c in page.items],
        page.keys,
        page.has_next_page,
        page.has_previous_page,
    )
    return CategoryConnection(
        _count=count, edges=edges, nodes=[e.node for e in edges], page_info=page_info
    )


async def _one_node(root: object, kw: dict[str, Any], ctx: Context) -> Node | None:
    return _node_in(ctx, (await resolve.nodes(ctx, [kw["id"]]))[0])


async def _nodes(root: object, kw: dict[str, Any], ctx: Context) -> list[Node | None]:
    return [_node_in(ctx, f) for f in await resolve.nodes(ctx, kw["ids"])]


# search and predictiveSearch are not declared: they run on the standard executor
@planned(
    products=each(_products),
    product=each(_product),
    categories=each(_categories),
    category=each(_category),
    node=each(_one_node),
    nodes=each(_nodes),
)
@strawberry.type
class Query:
    @strawberry.field(description="Products, a page at a time (Relay connection, at most 100).")
    async def products(
        self,
        info: Info[Context, None],
        first: First = None,
        after: str | None = None,
        last: Last = None,
        before: str | None = None,
        filter: ProductFilterInput | None = None,
        sort_key: ProductSortKeys = ProductSortKeys.ID,
        reverse: bool = False,
    ) -> ProductConnection:
        f = filter.domain() if filter else catalog.ProductFilter()
        return await list_products(info, first, after, last, before, f, sort_key, reverse)

    @strawberry.field(description="One product by `id` or `handle`; null when there is none.")
    async def product(
        self, info: Info[Context, None], id: strawberry.ID | None = None, handle: str | None = None
    ) -> Product | None:
        p = await resolve.product(info.context, id, handle)
        return Product.from_domain(p, info.context.runtime.settings.currency_code) if p else None

    @strawberry.field(
        description="Categories in tree order (depth first: each category, then everything "
        "below it); `topLevel` keeps only the roots, `parentId` only that category's children."
    )
    async def categories(
        self,
        info: Info[Context, None],
        first: First = None,
        after: str | None = None,
        last: Last = None,
        before: str | None = None,
        parent_id: strawberry.ID | None = None,
        top_level: bool = False,
    ) -> CategoryConnection:
        page, kind, count = await resolve.categories(
            info.context,
            first=first,
            after=after,
            last=last,
            before=before,
            parent_id=parent_id,
            top_level=top_level,
        )
        return _category_connection(page, kind, count)

    @strawberry.field(description="One category by `id` or `handle`.")
    async def category(
        self, info: Info[Context, None], id: strawberry.ID | None = None, handle: str | None = None
    ) -> Category | None:
        c = await resolve.category(info.context, id, handle)
        return Category.from_domain(c) if c else None

    @strawberry.field(description="Any object by its global ID.")
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> Node | None:
        return _node(info, (await resolve.nodes(info.context, [id]))[0])

    @strawberry.field(description="Objects by global IDs (at most 100), null where absent.")
    async def nodes(self, info: Info[Context, None], ids: list[strawberry.ID]) -> list[Node | None]:
        return [_node(info, f) for f in await resolve.nodes(info.context, ids)]

    @strawberry.field(
        description="Full-text product search with facets (`filters`). Words match through "
        "stemming, accents, synonyms and one-letter typos; every word must match."
    )
    async def search(
        self,
        info: Info[Context, None],
        query: str | None = None,
        filters: list[ProductFilter] | None = None,
        sort_key: SearchSortKeys = SearchSortKeys.RELEVANCE,
        reverse: bool = False,
        first: First = None,
        after: str | None = None,
    ) -> SearchProductConnection:
        return await search_products(info, query, filters, sort_key, reverse, first, after)

    @strawberry.field(
        description="Search as you type: products, categories and query completions for "
        "a partial query (its last word a prefix), at most `limit` (1 to 20) of each."
    )
    async def predictive_search(
        self, info: Info[Context, None], query: str, limit: int = 10
    ) -> PredictiveSearchResult:
        return await predictive_search(info, query, limit)
