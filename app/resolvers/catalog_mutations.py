"""Staff catalog mutations: parse the input the schema hands over (only the fields sent),
call the catalog's use case in a unit of work, and answer its objects or its refusal as
`userErrors`. Who may call them is declared on the fields (`app/schema/catalog_mutations.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from app.domains import catalog
from app.platform.db import UnitOfWork
from app.platform.ids import from_global_id
from app.resolvers.context import Context
from app.resolvers.errors import Problem, user_errors

T = TypeVar("T")

# the schema's names of product fields → the catalog's ProductChange keys
_PRODUCT_KEYS = {
    "title": "title",
    "handle": "handle",
    "descriptionHtml": "description_html",
    "productType": "product_type",
    "tags": "tags",
    "vendor": "brand",
    "status": "status",
}
_GRAMS_PER = {"GRAMS": Decimal(1), "KILOGRAMS": Decimal(1000)}
# a mutation answers one refusal (the first rule broken); the query cost counts on it
MAX_USER_ERRORS = 1


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a mutation did (`value`), or why it did nothing (`errors`)."""

    value: T | None = None
    errors: list[Problem] = field(default_factory=list)


async def _attempt(
    ctx: Context,
    work: Callable[[UnitOfWork], Awaitable[T]],
    prefix: Sequence[str] = (),
    rename: Mapping[str, str] | None = None,
) -> Outcome[T]:
    try:
        async with ctx.runtime.db.uow(catalog.CONTEXT) as uow:
            value = await work(uow)
    except Exception as exc:
        return Outcome(errors=user_errors(exc, prefix, rename)[:MAX_USER_ERRORS])
    # this request's loaders may hold what the change replaced (an earlier mutation in the
    # same document read it): the payload loads afresh
    ctx.forget_loaded()
    return Outcome(value)


def _id(gid: Any, type_name: str, field: str) -> int:
    return from_global_id(gid, type_name, field=field)[1]


def product_change(fields: Mapping[str, Any]) -> catalog.ProductChange:
    """ProductInput's fields as sent (absent ones left out) as the catalog's change."""
    values = {key: fields[name] for name, key in _PRODUCT_KEYS.items() if name in fields}
    if "tags" in values:
        values["tags"] = tuple(t.strip() for t in values["tags"] or () if t.strip())
    if "categoryId" in fields:
        gid = fields["categoryId"]
        values["category_id"] = _id(gid, "Category", "categoryId") if gid is not None else None
    if "attributes" in fields:
        values["attributes"] = tuple((a["name"], a["value"]) for a in fields["attributes"] or ())
    variants = fields.get("variants")
    return catalog.ProductChange(
        values=values,
        variants=tuple(variant_change(v, i) for i, v in enumerate(variants))
        if variants is not None
        else None,
    )


def variant_change(fields: Mapping[str, Any], index: int) -> catalog.VariantChange:
    where = f"variants[{index}]"
    values: dict[str, Any] = {}
    for name, key in (("sku", "sku"), ("price", "price"), ("compareAtPrice", "compare_at_price")):
        if name in fields:
            values[key] = fields[name]
    if "optionValues" in fields:
        values["options"] = tuple(
            (o["optionName"], o["name"]) for o in fields["optionValues"] or ()
        )
    if "weight" in fields:
        weight = fields["weight"]
        unit = fields.get("weightUnit") or "GRAMS"
        values["weight_grams"] = weight * _GRAMS_PER[unit] if weight is not None else None
    gid = fields.get("id")
    return catalog.VariantChange(
        id=_id(gid, "ProductVariant", f"{where}.id") if gid is not None else None, values=values
    )


# ---- products


async def product_create(ctx: Context, fields: Mapping[str, Any]) -> Outcome[catalog.Product]:
    async def work(uow: UnitOfWork) -> catalog.Product:
        if fields.get("id") is not None:
            raise catalog.InvalidProductData("a new product has no id", "id")
        return await catalog.create_product(uow, product_change(fields))

    return await _attempt(ctx, work, ("input",))


async def product_update(ctx: Context, fields: Mapping[str, Any]) -> Outcome[catalog.Product]:
    async def work(uow: UnitOfWork) -> catalog.Product:
        if fields.get("id") is None:
            raise catalog.InvalidProductData("productUpdate needs the product's id", "id")
        pid = _id(fields["id"], "Product", "id")
        return await catalog.update_product(uow, pid, product_change(fields))

    return await _attempt(ctx, work, ("input",))


async def product_delete(ctx: Context, id: str) -> Outcome[str]:
    async def work(uow: UnitOfWork) -> str:
        await catalog.delete_product(uow, _id(id, "Product", "id"))
        return id

    return await _attempt(ctx, work, ("input",))


# ---- variants

_ON_PRODUCT = {"id": "productId"}


async def variants_create(
    ctx: Context, product_id: str, variants: Sequence[Mapping[str, Any]]
) -> Outcome[tuple[catalog.Product, list[catalog.Variant]]]:
    async def work(uow: UnitOfWork) -> tuple[catalog.Product, list[catalog.Variant]]:
        _bounded(variants, "variants", catalog.MAX_VARIANTS, catalog.TooManyVariants)
        changes = [variant_change(v, i) for i, v in enumerate(variants)]
        return await catalog.create_variants(uow, _id(product_id, "Product", "id"), changes)

    return await _attempt(ctx, work, rename=_ON_PRODUCT)


async def variants_update(
    ctx: Context, product_id: str, variants: Sequence[Mapping[str, Any]]
) -> Outcome[tuple[catalog.Product, list[catalog.Variant]]]:
    async def work(uow: UnitOfWork) -> tuple[catalog.Product, list[catalog.Variant]]:
        _bounded(variants, "variants", catalog.MAX_VARIANTS, catalog.TooManyVariants)
        changes = [variant_change(v, i) for i, v in enumerate(variants)]
        for i, c in enumerate(changes):
            if c.id is None:
                raise catalog.InvalidProductData(
                    "a variant to update needs its id", f"variants[{i}].id"
                )
        return await catalog.update_variants(uow, _id(product_id, "Product", "id"), changes)

    return await _attempt(ctx, work, rename=_ON_PRODUCT)


async def variants_delete(
    ctx: Context, product_id: str, variant_ids: Sequence[str]
) -> Outcome[catalog.Product]:
    async def work(uow: UnitOfWork) -> catalog.Product:
        _bounded(variant_ids, "variantsIds", catalog.MAX_VARIANTS, catalog.TooManyVariants)
        ids = [_id(g, "ProductVariant", f"variantsIds[{i}]") for i, g in enumerate(variant_ids)]
        return await catalog.delete_variants(uow, _id(product_id, "Product", "id"), ids)

    return await _attempt(ctx, work, rename=_ON_PRODUCT)


def _bounded(items: Sequence[Any], name: str, most: int, error: type[catalog.CatalogError]) -> None:
    """Refuse an oversized list before parsing any of it (a product holds at most `most`)."""
    if len(items) > most:
        raise error(f"at most {most} {name} at once (a product has at most {most})", name)


# ---- images


async def images_add(
    ctx: Context, product_id: str, images: Sequence[Mapping[str, Any]]
) -> Outcome[tuple[catalog.Product, list[catalog.Image]]]:
    async def work(uow: UnitOfWork) -> tuple[catalog.Product, list[catalog.Image]]:
        _bounded(images, "images", catalog.MAX_IMAGES, catalog.InvalidProductData)
        drafts = [catalog.ImageDraft(url=i["url"], alt=i.get("altText")) for i in images]
        return await catalog.add_images(uow, _id(product_id, "Product", "id"), drafts)

    return await _attempt(ctx, work, rename=_ON_PRODUCT)


async def image_remove(ctx: Context, product_id: str, image_id: str) -> Outcome[catalog.Product]:
    async def work(uow: UnitOfWork) -> catalog.Product:
        iid = _id(image_id, "ProductImage", "imageId")
        return await catalog.remove_image(uow, _id(product_id, "Product", "id"), iid)

    return await _attempt(ctx, work, rename=_ON_PRODUCT)


async def images_reorder(
    ctx: Context, product_id: str, image_ids: Sequence[str]
) -> Outcome[tuple[catalog.Product, list[catalog.Image]]]:
    async def work(uow: UnitOfWork) -> tuple[catalog.Product, list[catalog.Image]]:
        _bounded(image_ids, "imageIds", catalog.MAX_IMAGES, catalog.InvalidProductData)
        ids = [_id(g, "ProductImage", f"imageIds[{i}]") for i, g in enumerate(image_ids)]
        return await catalog.reorder_images(uow, _id(product_id, "Product", "id"), ids)

    return await _attempt(ctx, work, rename=_ON_PRODUCT)


# ---- categories


async def category_create(ctx: Context, fields: Mapping[str, Any]) -> Outcome[catalog.Category]:
    async def work(uow: UnitOfWork) -> catalog.Category:
        if fields.get("id") is not None:
            raise catalog.InvalidProductData("a new category has no id", "id")
        gid = fields.get("parentId")
        parent = _id(gid, "Category", "parentId") if gid is not None else None
        return await catalog.create_category(
            uow, fields.get("title") or "", parent, fields.get("description")
        )

    return await _attempt(ctx, work, ("input",))


async def category_update(ctx: Context, fields: Mapping[str, Any]) -> Outcome[catalog.Category]:
    async def work(uow: UnitOfWork) -> catalog.Category:
        if fields.get("id") is None:
            raise catalog.InvalidProductData("categoryUpdate needs the category's id", "id")
        values = {k: fields[k] for k in ("title", "description") if k in fields}
        if "parentId" in fields:
            gid = fields["parentId"]
            values["parent_id"] = _id(gid, "Category", "parentId") if gid is not None else None
        return await catalog.update_category(uow, _id(fields["id"], "Category", "id"), values)

    return await _attempt(ctx, work, ("input",))


async def category_delete(ctx: Context, id: str) -> Outcome[str]:
    async def work(uow: UnitOfWork) -> str:
        await catalog.delete_category(uow, _id(id, "Category", "id"))
        return id

    return await _attempt(ctx, work, ("input",))
