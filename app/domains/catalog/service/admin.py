"""Staff catalog writes: products, variants and images, named by id.

Every product change is a whole `ProductDraft` of the stored product with the change
applied, written by `upsert_products`: the importer's rules (`validate_draft`), its writes,
and `catalog.ProductChanged.v1` in the outbox in the same transaction. Only the fields a
change names are written (`given`), so what it leaves out stays as it is. Each use case
locks the product it changes, commits once, and writes nothing when refused.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.domains.catalog import models as m
from app.domains.catalog.entities import Image, Product, Variant
from app.domains.catalog.errors import (
    InvalidProductData,
    NotFound,
    Taken,
)
from app.domains.catalog.events import ProductChanged
from app.domains.catalog.service.queries import (
    attributes_by_product_ids,
    images_by_product_ids,
    products_by_ids,
    variants_by_product_ids,
)
from app.domains.catalog.service.taxonomy import slugify
from app.domains.catalog.service.writes import (
    ImageDraft,
    ProductDraft,
    VariantDraft,
    upsert_products,
    validate_draft,
)
from app.platform.db import UnitOfWork

P = ParamSpec("P")
T = TypeVar("T")

# ProductChange.values keys → the draft's PRODUCT_FIELDS name they write
_PRODUCT_FIELD_OF = {
    "description_html": "description_html",
    "product_type": "product_type",
    "tags": "tags",
    "brand": "brand",
    "category_id": "category",
    "status": "status",
    "attributes": "attributes",
}
VARIANT_KEYS = ("sku", "price", "compare_at_price", "options", "weight_grams")


@dataclass(frozen=True)
class VariantChange:
    """A variant to create (no id) or change (id): only the keys in `values` are set
    (VARIANT_KEYS); a new variant without a price costs 0.00, as in Shopify."""

    id: int | None = None
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProductChange:
    """The product fields to set, only those given: `title`, `handle` and the keys of
    `_PRODUCT_FIELD_OF`. `variants`, when given, are the product's variants."""

    values: Mapping[str, Any] = field(default_factory=dict)
    variants: tuple[VariantChange, ...] | None = None


def conflicts_as_taken(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """What a concurrent writer (or a SKU swap) makes the database refuse is the caller's
    conflict, not a server error: a unique index tripped, or a category deleted meanwhile."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await fn(*args, **kwargs)
        except IntegrityError as exc:
            orig = getattr(exc, "orig", None)
            state = getattr(orig, "sqlstate", None) or getattr(
                getattr(orig, "__cause__", None), "sqlstate", None
            )
            if state == "23505":
                raise Taken("a handle or SKU in the change is already taken") from None
            if state == "23503":
                raise NotFound("something the change refers to was just deleted") from None
            raise

    return wrapper


# ---- products


@conflicts_as_taken
async def create_product(uow: UnitOfWork, change: ProductChange) -> Product:
    """Create a product. The handle defaults to the title's slug and must be free; without
    variants it gets one default variant at 0.00 (as in Shopify)."""
    v = change.values
    title = v.get("title") or ""
    variants = change.variants or (VariantChange(),)
    for i, x in enumerate(variants):
        if x.id is not None:
            raise InvalidProductData("a new product's variants have no id", f"variants[{i}].id")
    draft = ProductDraft(
        handle=v.get("handle") or slugify(title),
        title=title,
        variants=tuple(_new_variant(x) for x in variants),
        description_html=v.get("description_html"),
        product_type=v.get("product_type"),
        tags=tuple(v.get("tags") or ()),
        brand=v.get("brand"),
        category_id=v.get("category_id"),
        attributes=tuple(v.get("attributes") or ()),
        status=v.get("status") or "ACTIVE",
        given=frozenset(_PRODUCT_FIELD_OF.values()),
    )
    validate_draft(draft)
    await _check_handle_free(uow, draft.handle, None)
    [(product_id, created)] = await upsert_products(uow, [draft])
    if not created:  # a concurrent create took the handle between the check and the write
        raise Taken(f"handle {draft.handle!r} is already taken", "handle")
    await uow.commit()
    return await _product(uow, product_id)


@conflicts_as_taken
async def update_product(uow: UnitOfWork, product_id: int, change: ProductChange) -> Product:
    """Change the fields given; the others stay. Variants, when given, become the product's
    variants (by id, else by SKU or options, as an import)."""
    stored = await _stored(uow, product_id)
    v = change.values
    draft = replace(
        stored,
        # null for a required field is refused by the rules, not taken for "unchanged"
        title=v.get("title", stored.title) or "",
        handle=v.get("handle", stored.handle) or "",
        description_html=v.get("description_html", stored.description_html),
        product_type=v.get("product_type", stored.product_type),
        tags=tuple(v.get("tags", stored.tags) or ()),
        brand=v.get("brand", stored.brand),
        category_id=v.get("category_id", stored.category_id),
        attributes=tuple(v.get("attributes") or ()),
        status=v.get("status", stored.status),
        given=frozenset(f for k, f in _PRODUCT_FIELD_OF.items() if k in v),
    )
    if change.variants is not None:
        draft = replace(draft, variants=_listed(stored, change.variants))
    await _write(uow, product_id, stored, draft)
    return await _product(uow, product_id)


@conflicts_as_taken
async def delete_product(uow: UnitOfWork, product_id: int) -> None:
    """Delete a product with its variants, images and attributes (for good: ARCHIVED is the
    status that hides a product and keeps it)."""
    p = m.products
    handle = (
        await uow.session.execute(sa.delete(p).where(p.c.id == product_id).returning(p.c.handle))
    ).scalar_one_or_none()
    if handle is None:
        raise NotFound("no product has this id", "id")
    uow.emit(ProductChanged(product_id=product_id, handle=handle, change="deleted"))
    await uow.commit()


# ---- variants


@conflicts_as_taken
async def create_variants(
    uow: UnitOfWork, product_id: int, changes: Sequence[VariantChange]
) -> tuple[Product, list[Variant]]:
    """Add variants. A product's standalone default variant (no SKU, no options) gives way
    to new variants that have options, as Shopify's does."""
    stored = await _stored(uow, product_id)
    new = []
    for i, x in enumerate(changes):
        if x.id is not None:
            raise InvalidProductData("a new variant has no id", f"variants[{i}].id")
        new.append(_new_variant(x))
    kept = stored.variants
    if len(kept) == 1 and kept[0].sku is None and not kept[0].options and new:
        if all(n.options for n in new):
            kept = ()
    draft = replace(stored, variants=(*kept, *new), given=frozenset())
    await _write(uow, product_id, stored, draft)
    before = {x.id for x in stored.variants}
    return await _product_with_variants(uow, product_id, lambda x: x.id not in before)


@conflicts_as_taken
async def update_variants(
    uow: UnitOfWork, product_id: int, changes: Sequence[VariantChange]
) -> tuple[Product, list[Variant]]:
    """Change variants by id; the fields a change leaves out stay."""
    stored = await _stored(uow, product_id)
    by_id = {x.id: x for x in stored.variants}
    merged = dict(by_id)
    for i, x in enumerate(changes):
        if x.id not in by_id:
            raise NotFound("not a variant of this product", f"variants[{i}].id")
        merged[x.id] = _changed(merged[x.id], x.values, f"variants[{i}]")
    draft = replace(stored, variants=tuple(merged.values()), given=frozenset())
    await _write(uow, product_id, stored, draft)
    wanted = {x.id for x in changes}
    return await _product_with_variants(uow, product_id, lambda x: x.id in wanted)


@conflicts_as_taken
async def delete_variants(uow: UnitOfWork, product_id: int, variant_ids: Sequence[int]) -> Product:
    """Remove variants by id; a product keeps at least one."""
    stored = await _stored(uow, product_id)
    have = {x.id for x in stored.variants}
    for i, vid in enumerate(variant_ids):
        if vid not in have:
            raise NotFound("not a variant of this product", f"variantsIds[{i}]")
    gone = set(variant_ids)
    draft = replace(
        stored, variants=tuple(x for x in stored.variants if x.id not in gone), given=frozenset()
    )
    await _write(uow, product_id, stored, draft)
    return await _product(uow, product_id)


# ---- images


@conflicts_as_taken
async def add_images(
    uow: UnitOfWork, product_id: int, images: Sequence[ImageDraft]
) -> tuple[Product, list[Image]]:
    """Append images (URL and alt text) after the product's own."""
    stored = await _stored(uow, product_id)
    draft = replace(stored, images=(*stored.images, *images), given=frozenset({"images"}))
    await _write(uow, product_id, stored, draft)
    before = {i.id for i in stored.images}
    found = (await images_by_product_ids(uow, [product_id])).get(product_id, [])
    return await _product(uow, product_id), [i for i in found if i.id not in before]


@conflicts_as_taken
async def remove_image(uow: UnitOfWork, product_id: int, image_id: int) -> Product:
    stored = await _stored(uow, product_id)
    if image_id not in {i.id for i in stored.images}:
        raise NotFound("not an image of this product", "imageId")
    draft = replace(
        stored,
        images=tuple(i for i in stored.images if i.id != image_id),
        given=frozenset({"images"}),
    )
    await _write(uow, product_id, stored, draft)
    return await _product(uow, product_id)


@conflicts_as_taken
async def reorder_images(
    uow: UnitOfWork, product_id: int, image_ids: Sequence[int]
) -> tuple[Product, list[Image]]:
    """The images listed come first, in that order; the others follow in their own."""
    stored = await _stored(uow, product_id)
    by_id = {i.id: i for i in stored.images}
    for n, iid in enumerate(image_ids):
        if iid not in by_id:
            raise NotFound("not an image of this product", f"imageIds[{n}]")
    if len(set(image_ids)) != len(image_ids):
        raise InvalidProductData("an image is listed twice", "imageIds")
    first = [by_id[i] for i in image_ids]
    rest = [i for i in stored.images if i.id not in set(image_ids)]
    draft = replace(stored, images=(*first, *rest), given=frozenset({"images"}))
    await _write(uow, product_id, stored, draft)
    found = (await images_by_product_ids(uow, [product_id])).get(product_id, [])
    return await _product(uow, product_id), found


# ---- helpers


async def _stored(uow: UnitOfWork, product_id: int) -> ProductDraft:
    """The stored product as a whole draft with ids, locked until the commit (so two
    changes to one product never lose each other's variants or images)."""
    p = m.products.c
    row = (
        await uow.session.execute(
            sa.select(
                p.handle, p.title, p.description_html, p.product_type, p.tags, p.vendor,
                p.category_id, p.status,
            )
            .where(p.id == product_id)
            .with_for_update()
        )
    ).first()  # fmt: skip
    if row is None:
        raise NotFound("no product has this id", "id")
    variants = (await variants_by_product_ids(uow, [product_id])).get(product_id, [])
    images = (await images_by_product_ids(uow, [product_id])).get(product_id, [])
    return ProductDraft(
        handle=row.handle,
        title=row.title,
        variants=tuple(
            VariantDraft(
                id=x.id,
                sku=x.sku,
                price=x.price,
                options=tuple((o.name, o.value) for o in x.options),
                compare_at_price=x.compare_at_price,
                weight_grams=x.weight_grams,
                title=x.title,
            )
            for x in variants
        ),
        description_html=row.description_html,
        product_type=row.product_type,
        tags=tuple(row.tags or ()),
        brand=row.vendor,
        category_id=row.category_id,
        images=tuple(ImageDraft(i.url, i.alt, i.width, i.height, id=i.id) for i in images),
        status=row.status,
        given=frozenset(),
    )


async def _write(
    uow: UnitOfWork, product_id: int, stored: ProductDraft, draft: ProductDraft
) -> None:
    if draft.variants != stored.variants and not draft.names("attributes"):
        # the attributes table holds the variants' option values too, for filtering, and
        # a write only adds those: a variant that changed colour would leave the old one
        # behind. Keep the product's own attributes; the write adds the current options.
        options = {o for x in stored.variants for o in x.options}
        found = (await attributes_by_product_ids(uow, [product_id])).get(product_id, [])
        draft = replace(
            draft,
            attributes=tuple(a for a in found if a not in options),
            given=(draft.given or frozenset()) | {"attributes"},
        )
    validate_draft(draft)
    if draft.handle != stored.handle:
        await _check_handle_free(uow, draft.handle, product_id)
        # upserts find products by handle: move the stored one to its new handle first
        await uow.session.execute(
            sa.update(m.products).where(m.products.c.id == product_id).values(handle=draft.handle)
        )
    await upsert_products(uow, [draft])
    await uow.commit()


def _new_variant(x: VariantChange) -> VariantDraft:
    v = x.values
    return VariantDraft(
        sku=v.get("sku"),
        price=v.get("price") or Decimal("0.00"),
        options=tuple(v.get("options") or ()),
        compare_at_price=v.get("compare_at_price"),
        weight_grams=v.get("weight_grams") or 0,
    )


def _changed(stored: VariantDraft, values: Mapping[str, Any], where: str) -> VariantDraft:
    """A stored variant with the given values; its title follows new options."""
    if "price" in values and values["price"] is None:
        raise InvalidProductData("price cannot be null", f"{where}.price")
    out = replace(stored, **{k: values[k] for k in VARIANT_KEYS if k in values})
    if "options" in values:
        out = replace(out, options=tuple(values["options"] or ()), title=None)
    if "weight_grams" in values:
        out = replace(out, weight_grams=values["weight_grams"] or 0)
    return out


def _listed(stored: ProductDraft, changes: Sequence[VariantChange]) -> tuple[VariantDraft, ...]:
    """Variants given whole: by id a stored one changed, without one a new one."""
    by_id = {x.id: x for x in stored.variants}
    out = []
    for i, x in enumerate(changes):
        if x.id is None:
            out.append(_new_variant(x))
        elif x.id in by_id:
            out.append(_changed(by_id[x.id], x.values, f"variants[{i}]"))
        else:
            raise NotFound("not a variant of this product", f"variants[{i}].id")
    return tuple(out)


async def _check_handle_free(uow: UnitOfWork, handle: str, product_id: int | None) -> None:
    p = m.products.c
    taken = await uow.session.execute(
        sa.select(p.id).where(p.handle == handle, p.id.is_distinct_from(product_id))
    )
    if taken.first() is not None:
        raise Taken(f"handle {handle!r} is already taken", "handle")


async def _product(uow: UnitOfWork, product_id: int) -> Product:
    return (await products_by_ids(uow, [product_id], any_status=True))[product_id]


async def _product_with_variants(
    uow: UnitOfWork, product_id: int, keep: Callable[[Variant], bool]
) -> tuple[Product, list[Variant]]:
    found = (await variants_by_product_ids(uow, [product_id])).get(product_id, [])
    return await _product(uow, product_id), [x for x in found if keep(x)]
