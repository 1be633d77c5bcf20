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


async def ensure_brand(uow: UnitOfWork, name: str) -> int:
    handle = slugify(name)
    b = m.brands
    await uow.session.execute(
        insert(b).values(handle=handle, name=name).on_conflict_do_nothing(index_elements=["handle"])
    )
    return int(
        (await uow.session.execute(sa.select(b.c.id).where(b.c.handle == handle))).scalar_one()
    )


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
    """Create or replace the product with this handle (variants matched by SKU).

    Returns (product id, created). Emits `catalog.ProductChanged.v1`; the caller commits.
    """
    validate_draft(draft)
    s = uow.session
    brand_id = await ensure_brand(uow, draft.brand) if draft.brand else None
    category_id = (
        await ensure_category_path(uow, draft.category_path) if draft.category_path else None
    )
    prices = [v.price for v in draft.variants]
    values = {
        "title": draft.title.strip(),
        "description_html": draft.description_html,
        "product_type": draft.product_type,
        "tags": list(draft.tags),
        "brand_id": brand_id,
        "vendor": draft.brand or "",
        "category_id": category_id,
        "status": draft.status,
        "min_price": min(prices),
        "max_price": max(prices),
    }
    p = m.products
    existing = (await s.execute(sa.select(p.c.id).where(p.c.handle == draft.handle))).scalar()
    # refuse before writing anything, so a failed upsert leaves no half-written product
    taken = (
        (
            await s.execute(
                sa.select(m.variants.c.sku).where(
                    m.variants.c.sku.in_([x.sku for x in draft.variants]),
                    m.variants.c.product_id != (existing if existing is not None else -1),
                )
            )
        )
        .scalars()
        .first()
    )
    if taken is not None:
        raise DuplicateSku(f"SKU {taken!r} belongs to another product", "variants.sku")
    if existing is None:
        product_id = (
            await s.execute(insert(p).values(handle=draft.handle, **values).returning(p.c.id))
        ).scalar_one()
    else:
        product_id = existing
        await s.execute(
            sa.update(p).where(p.c.id == product_id).values(updated_at=sa.func.now(), **values)
        )

    v = m.variants
    skus = [x.sku for x in draft.variants]
    await s.execute(sa.delete(v).where(v.c.product_id == product_id, v.c.sku.not_in(skus)))
    rows = [
        {
            "product_id": product_id,
            "sku": x.sku,
            "title": x.title or " / ".join(val for _, val in x.options) or "Default Title",
            "options": [{"name": n, "value": val} for n, val in x.options],
            "price": x.price,
            "compare_at_price": x.compare_at_price,
            "weight_grams": x.weight_grams,
            "position": i,
        }
        for i, x in enumerate(draft.variants)
    ]
    stmt = insert(v).values(rows)
    await s.execute(
        stmt.on_conflict_do_update(
            index_elements=["sku"],
            set_={
                c: stmt.excluded[c]
                for c in (
                    "title",
                    "options",
                    "price",
                    "compare_at_price",
                    "weight_grams",
                    "position",
                )
            },
        )
    )

    await s.execute(sa.delete(m.images).where(m.images.c.product_id == product_id))
    if draft.images:
        await s.execute(
            m.images.insert(),
            [
                {
                    "product_id": product_id,
                    "url": i.url,
                    "alt": i.alt,
                    "position": n,
                    "width": i.width,
                    "height": i.height,
                }
                for n, i in enumerate(draft.images)
            ],
        )
    a = m.product_attributes
    await s.execute(sa.delete(a).where(a.c.product_id == product_id))
    attrs = sorted(set(draft.attributes) | {o for x in draft.variants for o in x.options})
    if attrs:
        await s.execute(
            a.insert(), [{"product_id": product_id, "name": n, "value": val} for n, val in attrs]
        )
    uow.emit(
        ProductChanged(
            product_id=product_id,
            handle=draft.handle,
            change="created" if existing is None else "updated",
        )
    )
    return product_id, existing is None


async def product_count(uow: UnitOfWork) -> int:
    return int(
        (await uow.session.execute(sa.select(sa.func.count()).select_from(m.products))).scalar_one()
    )
