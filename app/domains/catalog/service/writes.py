"""Catalog writes: upsert whole products by handle; every change announces itself."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from app.domains.catalog import models as m
from app.domains.catalog.errors import DuplicateSku, InvalidProductData
from app.domains.catalog.events import ProductChanged
from app.platform.db import UnitOfWork

MAX_VARIANTS = 100
MAX_PRICE = Decimal("999999999.99")
_HANDLE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class VariantDraft:
    sku: str
    price: Decimal
    options: tuple[tuple[str, str], ...] = ()
    compare_at_price: Decimal | None = None
    weight_grams: int = 0
    title: str | None = None


@dataclass(frozen=True)
class ImageDraft:
    url: str
    alt: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class ProductDraft:
    handle: str
    title: str
    variants: tuple[VariantDraft, ...]
    description_html: str = ""
    product_type: str = ""
    tags: tuple[str, ...] = ()
    brand: str | None = None
    category_path: tuple[str, ...] = ()
    images: tuple[ImageDraft, ...] = ()
    attributes: tuple[tuple[str, str], ...] = field(default=())
    status: str = "ACTIVE"


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def validate_draft(d: ProductDraft) -> None:
    """The catalog's rules for a product: raise InvalidProductData naming the field."""
    if not d.title.strip():
        raise InvalidProductData("title cannot be empty", "title")
    if not _HANDLE.match(d.handle):
        raise InvalidProductData(
            f"handle {d.handle!r} must be lowercase letters, digits and single dashes", "handle"
        )
    if d.status not in ("ACTIVE", "DRAFT", "ARCHIVED"):
        raise InvalidProductData("status must be ACTIVE, DRAFT or ARCHIVED", "status")
    if not d.variants:
        raise InvalidProductData("a product needs at least one variant", "variants")
    if len(d.variants) > MAX_VARIANTS:
        raise InvalidProductData(f"a product has at most {MAX_VARIANTS} variants", "variants")
    seen: set[str] = set()
    for i, v in enumerate(d.variants):
        where = f"variants[{i}]"
        if not v.sku.strip():
            raise InvalidProductData("SKU cannot be empty", f"{where}.sku")
        if v.sku in seen:
            raise InvalidProductData(f"SKU {v.sku!r} appears twice", f"{where}.sku")
        seen.add(v.sku)
        for name, price in (("price", v.price), ("compareAtPrice", v.compare_at_price)):
            if price is None:
                continue
            if not price.is_finite() or price < 0 or price > MAX_PRICE:
                raise InvalidProductData(
                    f"{name} must be between 0 and {MAX_PRICE}", f"{where}.{name}"
                )
            if price != price.quantize(Decimal("0.01")):
                raise InvalidProductData(f"{name} has more than two decimals", f"{where}.{name}")
        if v.compare_at_price is not None and v.compare_at_price < v.price:
            raise InvalidProductData(
                "compareAtPrice must not be below price", f"{where}.compareAtPrice"
            )
        if v.weight_grams < 0:
            raise InvalidProductData("weight cannot be negative", f"{where}.weight")
    for i, img in enumerate(d.images):
        if not img.url.startswith(("https://", "http://", "/")):
            raise InvalidProductData("image URL must be http(s) or a path", f"images[{i}].url")


async def ensure_brands(uow: UnitOfWork, names: Sequence[str]) -> dict[str, int]:
    """Brand ids by name, creating the missing ones (two statements for any number)."""
    if not names:
        return {}
    by_handle = {slugify(n): n for n in names}
    b = m.brands
    await uow.session.execute(
        insert(b)
        .values([{"handle": h, "name": n} for h, n in by_handle.items()])
        .on_conflict_do_nothing(index_elements=["handle"])
    )
    rows = await uow.session.execute(
        sa.select(b.c.id, b.c.handle).where(b.c.handle.in_(list(by_handle)))
    )
    ids = {r.handle: r.id for r in rows}
    return {n: ids[slugify(n)] for n in names}


async def ensure_category_path(uow: UnitOfWork, titles: Sequence[str]) -> int | None:
    """The category at the end of a title path ("Apparel > Men"), creating what is missing."""
    c = m.categories
    parent_id: int | None = None
    path = "/"
    handle = ""
    for depth, title in enumerate(titles):
        handle = f"{handle}-{slugify(title)}" if handle else slugify(title)
        row = (
            await uow.session.execute(sa.select(c.c.id, c.c.path).where(c.c.handle == handle))
        ).first()
        if row is None:
            new_id = (
                await uow.session.execute(
                    insert(c)
                    .values(handle=handle, title=title, parent_id=parent_id, path="", depth=depth)
                    .returning(c.c.id)
                )
            ).scalar_one()
            cat_path = f"{path}{new_id}/"
            await uow.session.execute(sa.update(c).where(c.c.id == new_id).values(path=cat_path))
            parent_id, path = new_id, cat_path
        else:
            parent_id, path = row.id, row.path
    return parent_id


async def upsert_product(uow: UnitOfWork, draft: ProductDraft) -> tuple[int, bool]:
    """Create or replace the product with this handle; see `upsert_products`."""
    return (await upsert_products(uow, [draft]))[0]


async def upsert_products(
    uow: UnitOfWork, drafts: Sequence[ProductDraft]
) -> list[tuple[int, bool]]:
    """Create or replace products by handle, variants matched by SKU, set-based: a batch
    costs about ten statements however many products it holds.

    Returns (product id, created) per draft, in order. Every rule is checked before anything
    is written, so a refused batch leaves nothing behind. Emits `catalog.ProductChanged.v1`
    per product; the caller commits.
    """
    if not drafts:
        return []
    for d in drafts:
        validate_draft(d)
    handles = [d.handle for d in drafts]
    if len(set(handles)) != len(handles):
        dup = next(h for h in handles if handles.count(h) > 1)
        raise InvalidProductData(f"handle {dup!r} appears twice in one batch", "handle")
    all_skus = [v.sku for d in drafts for v in d.variants]
    if len(set(all_skus)) != len(all_skus):
        dup = next(x for x in all_skus if all_skus.count(x) > 1)
        raise DuplicateSku(f"SKU {dup!r} appears in two products", "variants.sku")
    s = uow.session
    p, v = m.products, m.variants

    existing = {
        r.handle: r.id
        for r in await s.execute(sa.select(p.c.id, p.c.handle).where(p.c.handle.in_(handles)))
    }
    owner_of_sku = {d_v.sku: existing.get(d.handle) for d in drafts for d_v in d.variants}
    for r in await s.execute(sa.select(v.c.sku, v.c.product_id).where(v.c.sku.in_(all_skus))):
        if owner_of_sku[r.sku] != r.product_id:
            raise DuplicateSku(f"SKU {r.sku!r} belongs to another product", "variants.sku")

    brands = await ensure_brands(uow, sorted({d.brand for d in drafts if d.brand}))
    categories: dict[tuple[str, ...], int | None] = {}
    for d in drafts:
        if d.category_path and d.category_path not in categories:
            categories[d.category_path] = await ensure_category_path(uow, d.category_path)

    rows = [
        {
            "handle": d.handle,
            "title": d.title.strip(),
            "description_html": d.description_html,
            "product_type": d.product_type,
            "tags": list(d.tags),
            "brand_id": brands.get(d.brand) if d.brand else None,
            "vendor": d.brand or "",
            "category_id": categories.get(d.category_path) if d.category_path else None,
            "status": d.status,
            "min_price": min(x.price for x in d.variants),
            "max_price": max(x.price for x in d.variants),
        }
        for d in drafts
    ]
    stmt = insert(p).values(rows)
    upserted = await s.execute(
        stmt.on_conflict_do_update(
            index_elements=["handle"],
            set_={
                **{c: stmt.excluded[c] for c in rows[0] if c != "handle"},
                "updated_at": sa.func.now(),
            },
        ).returning(p.c.id, p.c.handle)
    )
    ids = {r.handle: r.id for r in upserted}
    product_ids = [ids[h] for h in handles]

    # variants: drop the ones no longer listed, upsert the rest by SKU
    await s.execute(sa.delete(v).where(v.c.product_id.in_(product_ids), v.c.sku.not_in(all_skus)))
    variant_rows = [
        {
            "product_id": ids[d.handle],
            "sku": x.sku,
            "title": x.title or " / ".join(val for _, val in x.options) or "Default Title",
            "options": [{"name": n, "value": val} for n, val in x.options],
            "price": x.price,
            "compare_at_price": x.compare_at_price,
            "weight_grams": x.weight_grams,
            "position": i,
        }
        for d in drafts
        for i, x in enumerate(d.variants)
    ]
    vstmt = insert(v).values(variant_rows)
    await s.execute(
        vstmt.on_conflict_do_update(
            index_elements=["sku"],
            set_={c: vstmt.excluded[c] for c in variant_rows[0] if c not in ("sku", "product_id")},
        )
    )

    # images and attributes are replaced whole
    await s.execute(sa.delete(m.images).where(m.images.c.product_id.in_(product_ids)))
    image_rows = [
        {"product_id": ids[d.handle], "url": i.url, "alt": i.alt, "position": n,
         "width": i.width, "height": i.height}
        for d in drafts
        for n, i in enumerate(d.images)
    ]  # fmt: skip
    if image_rows:
        await s.execute(m.images.insert(), image_rows)
    a = m.product_attributes
    await s.execute(sa.delete(a).where(a.c.product_id.in_(product_ids)))
    attr_rows = [
        {"product_id": ids[d.handle], "name": n, "value": val}
        for d in drafts
        for n, val in sorted(set(d.attributes) | {o for x in d.variants for o in x.options})
    ]
    if attr_rows:
        await s.execute(a.insert(), attr_rows)

    out = []
    for d in drafts:
        created = d.handle not in existing
        uow.emit(
            ProductChanged(
                product_id=ids[d.handle],
                handle=d.handle,
                change="created" if created else "updated",
            )
        )
        out.append((ids[d.handle], created))
    return out


async def product_count(uow: UnitOfWork) -> int:
    return int(
        (await uow.session.execute(sa.select(sa.func.count()).select_from(m.products))).scalar_one()
    )
