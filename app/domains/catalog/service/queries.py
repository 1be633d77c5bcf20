"""Catalog reads. Every batch function answers many keys with one SQL statement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from app.domains.catalog import models as m
from app.domains.catalog.entities import (
    Brand,
    Category,
    Image,
    Page,
    Product,
    ProductFilter,
    ProductSortKey,
    SelectedOption,
    Variant,
)
from app.platform.db import UnitOfWork
from app.platform.keyset import check_page, keyset_rows, keyset_select, page_of, union_pages
from app.platform.pagination import PageRequest

_PRODUCT_COLS = (
    m.products.c.id,
    m.products.c.handle,
    m.products.c.title,
    m.products.c.description_html,
    m.products.c.product_type,
    m.products.c.tags,
    m.products.c.vendor,
    m.products.c.brand_id,
    m.products.c.category_id,
    m.products.c.status,
    m.products.c.min_price,
    m.products.c.max_price,
    m.products.c.created_at,
    m.products.c.updated_at,
)


def _product(r: Any) -> Product:
    return Product(
        id=r.id,
        handle=r.handle,
        title=r.title,
        description_html=r.description_html,
        product_type=r.product_type,
        tags=tuple(r.tags or ()),
        vendor=r.vendor,
        brand_id=r.brand_id,
        category_id=r.category_id,
        status=r.status,
        min_price=r.min_price,
        max_price=r.max_price,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def _category(r: Any) -> Category:
    return Category(
        id=r.id,
        handle=r.handle,
        title=r.title,
        description=r.description,
        parent_id=r.parent_id,
        depth=r.depth,
        position=r.position,
    )


def _visible() -> sa.ColumnElement[bool]:
    return m.products.c.status == "ACTIVE"


async def products_by_ids(
    uow: UnitOfWork, ids: Sequence[int], *, any_status: bool = False
) -> dict[int, Product]:
    """Active products by id; staff tools see drafts and archived ones too (`any_status`)."""
    seen = sa.true() if any_status else _visible()
    rows = await uow.session.execute(
        sa.select(*_PRODUCT_COLS).where(m.products.c.id.in_(ids), seen)
    )
    return {r.id: _product(r) for r in rows}


async def product_versions(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, datetime]:
    """Each product's last change, whatever its status (products_by_ids sees only visible
    ones): what a copy kept elsewhere (search) orders a removal by."""
    rows = await uow.session.execute(
        sa.select(m.products.c.id, m.products.c.updated_at).where(m.products.c.id.in_(ids))
    )
    return {r.id: r.updated_at for r in rows}


async def products_by_handles(uow: UnitOfWork, handles: Sequence[str]) -> dict[str, Product]:
    rows = await uow.session.execute(
        sa.select(*_PRODUCT_COLS).where(m.products.c.handle.in_(handles), _visible())
    )
    return {r.handle: _product(r) for r in rows}


async def variants_by_product_ids(
    uow: UnitOfWork, product_ids: Sequence[int]
) -> dict[int, list[Variant]]:
    v = m.variants.c
    rows = await uow.session.execute(
        sa.select(
            v.id,
            v.product_id,
            v.sku,
            v.title,
            v.options,
            v.price,
            v.compare_at_price,
            v.weight_grams,
            v.position,
        )
        .where(v.product_id.in_(product_ids))
        .order_by(v.product_id, v.position, v.id)
    )
    out: dict[int, list[Variant]] = defaultdict(list)
    for r in rows:
        out[r.product_id].append(
            Variant(
                id=r.id,
                product_id=r.product_id,
                sku=r.sku,
                title=r.title,
                options=tuple(SelectedOption(o["name"], o["value"]) for o in r.options),
                price=r.price,
                compare_at_price=r.compare_at_price,
                weight_grams=r.weight_grams,
                position=r.position,
            )
        )
    return out


async def variants_by_ids(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, Variant]:
    v = m.variants.c
    product_ids = (
        (
            await uow.session.execute(
                sa.select(v.product_id)
                .join(m.products, m.products.c.id == v.product_id)
                .where(v.id.in_(ids), _visible())
                .distinct()
            )
        )
        .scalars()
        .all()
    )
    by_product = await variants_by_product_ids(uow, product_ids)
    wanted = set(ids)
    return {x.id: x for vs in by_product.values() for x in vs if x.id in wanted}


async def variant_ids_by_skus(uow: UnitOfWork, skus: Sequence[str]) -> dict[str, int]:
    """Variant ids by SKU, whatever the product's status (the inventory stocks drafts too)."""
    v = m.variants.c
    rows = await uow.session.execute(sa.select(v.sku, v.id).where(v.sku.in_(skus)))
    return {r.sku: r.id for r in rows}


async def existing_variant_ids(uow: UnitOfWork, ids: Sequence[int]) -> set[int]:
    """Which of `ids` are variants, whatever the product's status."""
    v = m.variants.c
    return set((await uow.session.execute(sa.select(v.id).where(v.id.in_(ids)))).scalars())


async def images_by_product_ids(
    uow: UnitOfWork, product_ids: Sequence[int]
) -> dict[int, list[Image]]:
    i = m.images.c
    rows = await uow.session.execute(
        sa.select(i.id, i.product_id, i.url, i.alt, i.position, i.width, i.height)
        .where(i.product_id.in_(product_ids))
        .order_by(i.product_id, i.position, i.id)
    )
    out: dict[int, list[Image]] = defaultdict(list)
    for r in rows:
        out[r.product_id].append(
            Image(r.id, r.product_id, r.url, r.alt, r.position, r.width, r.height)
        )
    return out


async def images_by_ids(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, Image]:
    """Images of visible products, by image id (what `node(id:)` fetches)."""
    i = m.images.c
    rows = await uow.session.execute(
        sa.select(i.id, i.product_id, i.url, i.alt, i.position, i.width, i.height)
        .join(m.products, m.products.c.id == i.product_id)
        .where(i.id.in_(ids), _visible())
    )
    return {
        r.id: Image(r.id, r.product_id, r.url, r.alt, r.position, r.width, r.height) for r in rows
    }


async def attributes_by_product_ids(
    uow: UnitOfWork, product_ids: Sequence[int]
) -> dict[int, list[tuple[str, str]]]:
    a = m.product_attributes.c
    rows = await uow.session.execute(
        sa.select(a.product_id, a.name, a.value)
        .where(a.product_id.in_(product_ids))
        .order_by(a.product_id, a.name, a.value)
    )
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for r in rows:
        out[r.product_id].append((r.name, r.value))
    return out


async def brands_by_ids(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, Brand]:
    b = m.brands.c
    rows = await uow.session.execute(sa.select(b.id, b.handle, b.name).where(b.id.in_(ids)))
    return {r.id: Brand(r.id, r.handle, r.name) for r in rows}


_CATEGORY_COLS = (
    m.categories.c.id,
    m.categories.c.handle,
    m.categories.c.title,
    m.categories.c.description,
    m.categories.c.parent_id,
    m.categories.c.depth,
    m.categories.c.position,
)


async def categories_by_ids(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, Category]:
    rows = await uow.session.execute(sa.select(*_CATEGORY_COLS).where(m.categories.c.id.in_(ids)))
    return {r.id: _category(r) for r in rows}


async def categories_by_handles(uow: UnitOfWork, handles: Sequence[str]) -> dict[str, Category]:
    rows = await uow.session.execute(
        sa.select(*_CATEGORY_COLS).where(m.categories.c.handle.in_(handles))
    )
    return {r.handle: _category(r) for r in rows}


async def children_by_category_ids(
    uow: UnitOfWork, parent_ids: Sequence[int]
) -> dict[int, list[Category]]:
    c = m.categories.c
    rows = await uow.session.execute(
        sa.select(*_CATEGORY_COLS)
        .where(c.parent_id.in_(parent_ids))
        .order_by(c.parent_id, c.position, c.title, c.id)
    )
    out: dict[int, list[Category]] = defaultdict(list)
    for r in rows:
        out[r.parent_id].append(_category(r))
    return out


def _category_conds(c: Any, parent_id: int | None, top_level: bool) -> list[sa.ColumnElement[bool]]:
    if parent_id is not None:
        return [c.parent_id == parent_id]
    return [c.parent_id.is_(None)] if top_level else []


def _tree_key(v: object) -> list[int]:
    """A cursor's tree position: the ids from the root down (what `path` holds)."""
    if not isinstance(v, list) or not 1 <= len(v) <= 64:
        raise ValueError("not a tree position")
    out = [int(x) for x in v if not isinstance(x, bool)]
    if len(out) != len(v) or not all(0 < x < 2**63 for x in out):
        raise ValueError("not a tree position")
    return out


async def list_categories(
    uow: UnitOfWork, page: PageRequest, *, parent_id: int | None, top_level: bool
) -> Page[Category]:
    """Categories in tree order: depth first, each category followed by everything below it
    (siblings in creation order). The key is the materialised path as an array of ids, so
    "/1/5/" sorts right after "/1/" and before "/10/"; keyset-paginated on it."""
    c = m.categories.c
    tree = sa.cast(
        sa.func.string_to_array(sa.func.btrim(c.path, "/"), "/"), ARRAY(sa.BigInteger)
    ).label("tree")
    rows_q = (
        sa.select(*_CATEGORY_COLS, tree).where(*_category_conds(c, parent_id, top_level)).subquery()
    )
    key_cols = (rows_q.c.tree,)
    checked = check_page(page, (_tree_key,))
    sel = keyset_select(sa.select(rows_q), [], key_cols, checked)
    rows = list(await uow.session.execute(sel)) if sel is not None else []
    items, keys, has_more = keyset_rows(rows, key_cols, checked)
    return page_of([_category(r) for r in items], keys, has_more, checked)


async def count_categories(uow: UnitOfWork, *, parent_id: int | None, top_level: bool) -> int:
    """How many categories `list_categories` lists, over all pages."""
    c = m.categories.c
    stmt = sa.select(sa.func.count()).select_from(m.categories)
    return int(await uow.session.scalar(stmt.where(*_category_conds(c, parent_id, top_level))) or 0)


_SORT_CASTS: dict[ProductSortKey, Any] = {
    ProductSortKey.ID: int,
    ProductSortKey.TITLE: str,
    ProductSortKey.PRICE: Decimal,
    ProductSortKey.CREATED_AT: datetime.fromisoformat,
    ProductSortKey.UPDATED_AT: datetime.fromisoformat,
    ProductSortKey.VENDOR: str,
}


def _filter_conditions(f: ProductFilter) -> list[sa.ColumnElement[bool]]:
    p = m.products.c
    conds: list[sa.ColumnElement[bool]] = [_visible()]
    for category_id in sorted({c for c in (f.category_id, f.within_category_id) if c is not None}):
        # the category and everything below it
        path = sa.select(m.categories.c.path).where(m.categories.c.id == category_id)
        sub = sa.select(m.categories.c.id).where(
            m.categories.c.path.startswith(path.scalar_subquery(), autoescape=False)
        )
        conds.append(p.category_id.in_(sub))
    if f.brand:
        b = m.brands.c
        conds.append(
            p.brand_id.in_(
                sa.select(b.id).where(
                    sa.or_(b.handle == f.brand.lower(), sa.func.lower(b.name) == f.brand.lower())
                )
            )
        )
    # names and values match whatever their case, like brands (Material=cotton is Cotton)
    by_name: dict[str, list[str]] = defaultdict(list)
    for af in f.attributes:
        by_name[af.name.lower()].append(af.value.lower())
    a = m.product_attributes.c
    for name, values in by_name.items():
        # values of one attribute are alternatives; different attributes must all match
        conds.append(
            sa.exists().where(
                a.product_id == p.id,
                sa.func.lower(a.name) == name,
                sa.func.lower(a.value).in_(values),
            )
        )
    if f.min_price is not None or f.max_price is not None:
        conds.extend(_price_conditions(f.min_price, f.max_price))
    return conds


def _price_conditions(lo: Decimal | None, hi: Decimal | None) -> list[sa.ColumnElement[bool]]:
    """Some variant's price is within [lo, hi]. The product's min–max range overlapping the
    bounds is necessary, not sufficient (40 and 110 overlap 50–100 with no variant in it):
    it stays as a cheap prefilter, and the variants decide."""
    p, v = m.products.c, m.variants.c
    conds: list[sa.ColumnElement[bool]] = []
    in_range: list[sa.ColumnElement[bool]] = [v.product_id == p.id]
    if lo is not None:
        conds.append(p.max_price >= lo)
        in_range.append(v.price >= lo)
    if hi is not None:
        conds.append(p.min_price <= hi)
        in_range.append(v.price <= hi)
    conds.append(sa.exists().where(*in_range))
    return conds


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """One product listing: filter, page and order, with the cursor already checked.

    Hashable, so a request's listings (the root's and every category's) batch into one
    statement through a DataLoader.
    """

    filter: ProductFilter
    page: PageRequest
    sort_key: ProductSortKey = ProductSortKey.ID
    reverse: bool = False


def product_query(
    filter: ProductFilter,
    page: PageRequest,
    sort_key: ProductSortKey = ProductSortKey.ID,
    reverse: bool = False,
) -> ProductQuery:
    """Check the page's cursors against the sort order (raises PaginationError)."""
    return ProductQuery(filter, check_page(page, _product_casts(sort_key)), sort_key, reverse)


# A missing vendor sorts as "" (first): a NULL in a keyset key would drop rows from pages,
# since (NULL, id) > (x, y) is never true. Selected under this name in every listing.
_VENDOR_KEY = sa.func.coalesce(m.products.c.vendor, "").label("vendor_key")


def _product_keys(sort_key: ProductSortKey) -> tuple[Any, ...]:
    p = m.products.c
    if sort_key is ProductSortKey.ID:
        return (p.id,)
    if sort_key is ProductSortKey.VENDOR:
        return (_VENDOR_KEY, p.id)
    return (p[sort_key.value], p.id)


def _product_casts(sort_key: ProductSortKey) -> tuple[Any, ...]:
    return (int,) if sort_key is ProductSortKey.ID else (_SORT_CASTS[sort_key], int)


async def list_products_batch(
    uow: UnitOfWork, queries: Sequence[ProductQuery]
) -> dict[ProductQuery, Page[Product]]:
    """Keyset pages of visible products for many listings in one statement (UNION ALL)."""
    branches = []
    for i, q in enumerate(queries):
        sel = keyset_select(
            sa.select(*_PRODUCT_COLS, _VENDOR_KEY), _filter_conditions(q.filter),
            _product_keys(q.sort_key),
            q.page, reverse=q.reverse, tag=i,
        )  # fmt: skip
        if sel is not None:
            branches.append(sel)
    rows_by_query: dict[int, list[Any]] = defaultdict(list)
    if branches:
        stmt = branches[0] if len(branches) == 1 else union_pages(branches)
        for r in await uow.session.execute(stmt):
            rows_by_query[r._q].append(r)
    out: dict[ProductQuery, Page[Product]] = {}
    for i, q in enumerate(queries):
        rows = sorted(rows_by_query.get(i, []), key=lambda r: r._rn)
        rows, keys, has_more = keyset_rows(rows, _product_keys(q.sort_key), q.page)
        out[q] = page_of([_product(r) for r in rows], keys, has_more, q.page)
    return out


async def count_products_batch(
    uow: UnitOfWork, filters: Sequence[ProductFilter]
) -> dict[ProductFilter, int]:
    """How many visible products match each filter, in one statement."""
    if not filters:
        return {}
    branches = [
        sa.select(sa.literal(i).label("_q"), sa.func.count().label("n"))
        .select_from(m.products)
        .where(*_filter_conditions(f))
        for i, f in enumerate(filters)
    ]
    stmt = branches[0] if len(branches) == 1 else sa.union_all(*branches)
    counts = {r._q: int(r.n) for r in await uow.session.execute(stmt)}
    return {f: counts.get(i, 0) for i, f in enumerate(filters)}
