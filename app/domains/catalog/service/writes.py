"""Catalog writes: upsert products by handle; every change announces itself.

A draft may name only some fields (`given`): an import file without a `vendor` column
leaves every product's vendor as it is. Fields it names are written, empty ones as NULL.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from app.domains.catalog import models as m
from app.domains.catalog.errors import (
    DuplicateSku,
    InvalidProductData,
    NotFound,
    TooManyOptions,
    TooManyVariants,
)
from app.domains.catalog.events import ProductChanged
from app.domains.catalog.service.taxonomy import ensure_brands, ensure_category_path
from app.platform.db import UnitOfWork

MAX_VARIANTS = 100
# Shopify's limit: a variant is named by at most three options (Color, Size, Material)
MAX_OPTIONS = 3
MAX_ATTRIBUTES = 50
# Shopify's limit of media per product
MAX_IMAGES = 250
# what Product.attributes may list: its own attributes and every variant's option values
MAX_FILTER_ENTRIES = MAX_ATTRIBUTES + MAX_VARIANTS * MAX_OPTIONS
MAX_PRICE = Decimal("999999999.99")
# Shopify's limit for titles and handles: they end up in URLs, page titles and feeds
MAX_NAME_LENGTH = 255
MAX_WEIGHT_GRAMS = Decimal("999999999.999")  # what the weight column holds
_HANDLE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_GRAM = Decimal("0.001")

# what a draft may leave out (`given`), product-level and variant-level
PRODUCT_FIELDS = frozenset(
    {"description_html", "product_type", "tags", "brand", "category", "images", "attributes",
     "status"}
)  # fmt: skip
VARIANT_FIELDS = frozenset({"options", "compare_at_price", "weight_grams", "title"})


@dataclass(frozen=True)
class VariantDraft:
    sku: str | None
    price: Decimal
    options: tuple[tuple[str, str], ...] = ()
    compare_at_price: Decimal | None = None
    weight_grams: Decimal | int = 0
    title: str | None = None
    # the VARIANT_FIELDS the source named; None: all of them
    given: frozenset[str] | None = None
    # a stored variant changed in place, written whole (the API names variants by id, so a
    # new SKU keeps the variant); None: matched by SKU, or by options without one
    id: int | None = None


@dataclass(frozen=True)
class ImageDraft:
    url: str
    alt: str | None = None
    width: int | None = None
    height: int | None = None
    # a stored image kept (its id survives a reorder); None: a new image
    id: int | None = None


@dataclass(frozen=True)
class ProductDraft:
    handle: str
    title: str
    variants: tuple[VariantDraft, ...]
    description_html: str | None = None
    product_type: str | None = None
    tags: tuple[str, ...] = ()
    brand: str | None = None
    category_path: tuple[str, ...] = ()
    images: tuple[ImageDraft, ...] = ()
    attributes: tuple[tuple[str, str], ...] = field(default=())
    status: str = "ACTIVE"
    # an existing category by id (the API's way), instead of a title path created as needed
    # (the importer's); it must exist
    category_id: int | None = None
    # the PRODUCT_FIELDS the source named; None: all of them (a whole product). Fields left
    # out keep their stored value (or the default, for a new product)
    given: frozenset[str] | None = None

    def names(self, name: str) -> bool:
        return self.given is None or name in self.given


def _blank_to_none(text: str | None) -> str | None:
    return text.strip() or None if text is not None else None


def validate_draft(d: ProductDraft) -> None:
    """The catalog's rules for a product: raise InvalidProductData naming the field."""
    if not d.title.strip():
        raise InvalidProductData("title cannot be empty", "title")
    if len(d.title) > MAX_NAME_LENGTH:
        raise InvalidProductData(f"title has more than {MAX_NAME_LENGTH} characters", "title")
    if len(d.handle) > MAX_NAME_LENGTH:
        raise InvalidProductData(f"handle has more than {MAX_NAME_LENGTH} characters", "handle")
    if not _HANDLE.match(d.handle):
        raise InvalidProductData(
            f"handle {d.handle!r} must be lowercase letters, digits and single dashes", "handle"
        )
    if d.status not in ("ACTIVE", "DRAFT", "ARCHIVED"):
        raise InvalidProductData("status must be ACTIVE, DRAFT or ARCHIVED", "status")
    if not d.variants:
        raise InvalidProductData("a product needs at least one variant", "variants")
    if len(d.variants) > MAX_VARIANTS:
        raise TooManyVariants(f"a product has at most {MAX_VARIANTS} variants", "variants")
    if len(set(d.attributes)) > MAX_ATTRIBUTES:
        raise InvalidProductData(f"a product has at most {MAX_ATTRIBUTES} attributes", "attributes")
    seen: set[str] = set()
    seen_options: set[tuple[tuple[str, str], ...]] = set()
    for i, v in enumerate(d.variants):
        where = f"variants[{i}]"
        if len({name for name, _ in v.options}) != len(v.options):
            raise InvalidProductData("an option is named twice", f"{where}.options")
        if len(v.options) > MAX_OPTIONS:
            raise TooManyOptions(f"a variant has at most {MAX_OPTIONS} options", f"{where}.options")
        if v.sku is not None:
            if not v.sku.strip():
                raise InvalidProductData(
                    "SKU cannot be blank (leave it out instead)", f"{where}.sku"
                )
            if v.sku in seen:
                raise InvalidProductData(f"SKU {v.sku!r} appears twice", f"{where}.sku")
            seen.add(v.sku)
        elif v.options in seen_options:  # without a SKU, the options are the variant's identity
            raise InvalidProductData(
                "two variants without a SKU have the same options", f"{where}.options"
            )
        seen_options.add(v.options)
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
        weight = Decimal(v.weight_grams)
        if not weight.is_finite() or not 0 <= weight <= MAX_WEIGHT_GRAMS:
            raise InvalidProductData(
                f"weight must be between 0 and {MAX_WEIGHT_GRAMS} grams", f"{where}.weight"
            )
    if len(d.images) > MAX_IMAGES:
        raise InvalidProductData(f"a product has at most {MAX_IMAGES} images", "images")
    for i, img in enumerate(d.images):
        if not img.url.startswith(("https://", "http://", "/")):
            raise InvalidProductData("image URL must be http(s) or a path", f"images[{i}].url")


async def upsert_product(uow: UnitOfWork, draft: ProductDraft) -> tuple[int, bool]:
    """Create or update the product with this handle; see `upsert_products`."""
    return (await upsert_products(uow, [draft]))[0]


def _grouped(items: Iterable[Any], key: Callable[[Any], Any]) -> list[list[Any]]:
    groups: dict[Any, list[Any]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return list(groups.values())


async def upsert_products(
    uow: UnitOfWork, drafts: Sequence[ProductDraft]
) -> list[tuple[int, bool]]:
    """Create or update products by handle, set-based: a batch costs about a dozen statements
    (a few more when its drafts name different sets of fields).

    Only the fields a draft names are written (`given`); a named field that is empty is
    stored as NULL or an empty collection. The variants listed are the product's variants:
    matched by SKU, or by options for a variant without one; the others are removed.

    Returns (product id, created) per draft, in order; "created" is the database's own
    answer, so two imports racing on one product never both report it new. Every rule is
    checked before anything is written, so a refused batch leaves nothing behind. Emits
    `catalog.ProductChanged.v1` per product; the caller commits.
    """
    if not drafts:
        return []
    for d in drafts:
        validate_draft(d)
    handles = [d.handle for d in drafts]
    if len(set(handles)) != len(handles):
        dup = next(h for h in handles if handles.count(h) > 1)
        raise InvalidProductData(f"handle {dup!r} appears twice in one batch", "handle")
    all_skus = [v.sku for d in drafts for v in d.variants if v.sku is not None]
    if len(set(all_skus)) != len(all_skus):
        dup = next(x for x in all_skus if all_skus.count(x) > 1)
        raise DuplicateSku(f"SKU {dup!r} appears in two products", "variants.sku")
    s = uow.session
    p, v = m.products, m.variants

    existing = {
        r.handle: r.id
        for r in await s.execute(sa.select(p.c.id, p.c.handle).where(p.c.handle.in_(handles)))
    }
    owner_of_sku = {
        x.sku: existing.get(d.handle) for d in drafts for x in d.variants if x.sku is not None
    }
    for r in await s.execute(sa.select(v.c.sku, v.c.product_id).where(v.c.sku.in_(all_skus))):
        if owner_of_sku[r.sku] != r.product_id:
            raise DuplicateSku(f"SKU {r.sku!r} belongs to another product", "variants.sku")

    brand_names = {_blank_to_none(d.brand) for d in drafts if d.names("brand")}
    brands = await ensure_brands(uow, sorted(n for n in brand_names if n))
    categories: dict[tuple[str, ...], int | None] = {}
    for d in drafts:
        if d.category_path and d.names("category") and d.category_path not in categories:
            categories[d.category_path] = await ensure_category_path(uow, d.category_path)
    await _check_categories_exist(uow, {d.category_id for d in drafts if d.names("category")})

    ids: dict[str, int] = {}
    created: dict[str, bool] = {}
    for group in _grouped(drafts, lambda d: d.given):
        named = group[0].given if group[0].given is not None else PRODUCT_FIELDS
        rows = [_product_row(d, brands, categories) for d in group]
        updated = ["title", "min_price", "max_price"] + [
            col for f in sorted(named) for col in _PRODUCT_COLUMNS_OF.get(f, ())
        ]
        stmt = insert(p).values(rows)
        result = await s.execute(
            stmt.on_conflict_do_update(
                index_elements=["handle"],
                set_={**{c: stmt.excluded[c] for c in updated}, "updated_at": sa.func.now()},
            ).returning(p.c.id, p.c.handle, sa.literal_column("xmax = 0").label("inserted"))
        )
        for r in result:
            ids[r.handle] = r.id
            created[r.handle] = bool(r.inserted)

    await _write_variants(uow, drafts, ids)
    await _write_images(uow, [d for d in drafts if d.names("images")], ids)
    await _write_attributes(uow, drafts, ids)

    out = []
    for d in drafts:
        uow.emit(
            ProductChanged(
                product_id=ids[d.handle],
                handle=d.handle,
                change="created" if created[d.handle] else "updated",
            )
        )
        out.append((ids[d.handle], created[d.handle]))
    return out


# the product columns each PRODUCT_FIELDS name writes
_PRODUCT_COLUMNS_OF: dict[str, tuple[str, ...]] = {
    "description_html": ("description_html",),
    "product_type": ("product_type",),
    "tags": ("tags",),
    "brand": ("brand_id", "vendor"),
    "category": ("category_id",),
    "status": ("status",),
}


def _product_row(
    d: ProductDraft, brands: dict[str, int], categories: dict[tuple[str, ...], int | None]
) -> dict[str, Any]:
    vendor = _blank_to_none(d.brand)
    return {
        "handle": d.handle,
        "title": d.title.strip(),
        "description_html": _blank_to_none(d.description_html),
        "product_type": _blank_to_none(d.product_type),
        "tags": list(d.tags),
        "brand_id": brands.get(vendor) if vendor and d.names("brand") else None,
        "vendor": vendor,
        "category_id": d.category_id
        if d.category_id is not None
        else categories.get(d.category_path)
        if d.category_path
        else None,
        "status": d.status,
        "min_price": min(x.price for x in d.variants),
        "max_price": max(x.price for x in d.variants),
    }


async def _check_categories_exist(uow: UnitOfWork, ids: set[int | None]) -> None:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return
    c = m.categories.c
    found = set((await uow.session.execute(sa.select(c.id).where(c.id.in_(wanted)))).scalars())
    if wanted - found:
        raise NotFound("the category does not exist", "categoryId")


def _options_json(options: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"name": n, "value": val} for n, val in options]


async def _write_variants(
    uow: UnitOfWork, drafts: Sequence[ProductDraft], ids: dict[str, int]
) -> None:
    """The listed variants become the product's variants: kept ones updated (only the
    fields named; a variant with an id whole), new ones inserted, the rest removed."""
    s = uow.session
    v = m.variants
    product_ids = [ids[d.handle] for d in drafts]
    listed_ids = {x.id for d in drafts for x in d.variants if x.id is not None}
    by_key = [x for d in drafts for x in d.variants if x.id is None]
    listed_skus = {x.sku for x in by_key if x.sku is not None}
    listed_keys = {
        (ids[d.handle], tuple(x.options))
        for d in drafts
        for x in d.variants
        if x.sku is None and x.id is None
    }
    current = await s.execute(
        sa.select(v.c.id, v.c.product_id, v.c.sku, v.c.options).where(
            v.c.product_id.in_(product_ids)
        )
    )
    gone = [
        r.id
        for r in current
        if r.id not in listed_ids
        and not (
            r.sku in listed_skus
            if r.sku is not None
            else (r.product_id, tuple((o["name"], o["value"]) for o in r.options)) in listed_keys
        )
    ]
    if gone:
        await s.execute(sa.delete(v).where(v.c.id.in_(gone)))

    rows = [
        (x, {
            "product_id": ids[d.handle],
            "sku": x.sku,
            "title": x.title or " / ".join(val for _, val in x.options) or "Default Title",
            "options": _options_json(x.options),
            "price": x.price,
            "compare_at_price": x.compare_at_price,
            "weight_grams": Decimal(x.weight_grams).quantize(_GRAM),
            "position": i,
        })
        for d in drafts
        for i, x in enumerate(d.variants)
    ]  # fmt: skip
    by_id = [(x, r) for x, r in rows if x.id is not None]
    if by_id:  # before the upserts: a SKU an id'd variant gives up may go to a new variant
        cols = ("sku", "title", "options", "price", "compare_at_price", "weight_grams", "position")
        await s.execute(
            sa.update(v)
            .where(v.c.id == sa.bindparam("b_id"), v.c.product_id == sa.bindparam("b_product"))
            .values({c: sa.bindparam(f"b_{c}") for c in cols}),
            [
                {"b_id": x.id, "b_product": r["product_id"], **{f"b_{c}": r[c] for c in cols}}
                for x, r in by_id
            ],
        )
    rows = [(x, r) for x, r in rows if x.id is None]
    for group in _grouped(rows, lambda xr: (xr[0].sku is None, xr[0].given)):
        x0 = group[0][0]
        named = x0.given if x0.given is not None else VARIANT_FIELDS
        updated = ["price", "position"] + [
            c for c in ("options", "compare_at_price", "weight_grams") if c in named
        ]
        if "options" in named or "title" in named:
            updated.append("title")
        stmt = insert(v).values([r for _, r in group])
        if x0.sku is None:
            conflict = stmt.on_conflict_do_update(
                index_elements=["product_id", "options"],
                index_where=v.c.sku.is_(None),
                set_={c: stmt.excluded[c] for c in updated if c != "options"},
            )
        else:
            conflict = stmt.on_conflict_do_update(
                index_elements=["sku"], set_={c: stmt.excluded[c] for c in updated}
            )
        await s.execute(conflict)


async def _write_images(
    uow: UnitOfWork, drafts: Sequence[ProductDraft], ids: dict[str, int]
) -> None:
    """The listed images become the product's images, for the products whose draft names
    them: those with an id kept (and moved), the others inserted, the rest removed."""
    if not drafts:
        return
    s = uow.session
    img = m.images
    kept = [i.id for d in drafts for i in d.images if i.id is not None]
    await s.execute(
        sa.delete(img).where(
            img.c.product_id.in_([ids[d.handle] for d in drafts]), img.c.id.not_in(kept)
        )
    )
    image_rows = [
        {"id": i.id, "product_id": ids[d.handle], "url": i.url, "alt": _blank_to_none(i.alt),
         "position": n, "width": i.width, "height": i.height}
        for d in drafts
        for n, i in enumerate(d.images)
    ]  # fmt: skip
    if kept:
        await s.execute(
            sa.update(img)
            .where(img.c.id == sa.bindparam("b_id"), img.c.product_id == sa.bindparam("b_pid"))
            .values(alt=sa.bindparam("b_alt"), position=sa.bindparam("b_position")),
            [
                {"b_id": r["id"], "b_pid": r["product_id"], "b_alt": r["alt"],
                 "b_position": r["position"]}
                for r in image_rows
                if r["id"] is not None
            ],
        )  # fmt: skip
    new = [{k: val for k, val in r.items() if k != "id"} for r in image_rows if r["id"] is None]
    if new:
        await s.execute(img.insert(), new)


async def _write_attributes(
    uow: UnitOfWork, drafts: Sequence[ProductDraft], ids: dict[str, int]
) -> None:
    """Attributes are replaced whole when a draft names them. The variants' options filter
    like attributes, so the stored variants' options are added back for every product (one
    statement, whatever the draft named)."""
    s = uow.session
    a = m.product_attributes
    whole = [d for d in drafts if d.names("attributes")]
    if whole:
        await s.execute(sa.delete(a).where(a.c.product_id.in_([ids[d.handle] for d in whole])))
        rows = [
            {"product_id": ids[d.handle], "name": n, "value": val}
            for d in whole
            for n, val in sorted(set(d.attributes))
        ]
        if rows:
            await s.execute(insert(a).values(rows).on_conflict_do_nothing())
    option = sa.func.jsonb_array_elements(m.variants.c.options).table_valued("value").alias("o")
    await s.execute(
        insert(a)
        .from_select(
            ["product_id", "name", "value"],
            sa.select(
                m.variants.c.product_id,
                option.c.value.op("->>")("name"),
                option.c.value.op("->>")("value"),
            )
            .select_from(m.variants)
            .join(option, sa.true())
            .where(m.variants.c.product_id.in_([ids[d.handle] for d in drafts]))
            .distinct(),
        )
        .on_conflict_do_nothing()
    )


async def product_count(uow: UnitOfWork) -> int:
    return int(
        (await uow.session.execute(sa.select(sa.func.count()).select_from(m.products))).scalar_one()
    )
