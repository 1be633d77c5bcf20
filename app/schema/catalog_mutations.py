"""Staff catalog mutations, named and shaped as in Shopify's Admin API where it has them.

Each needs a staff member holding MANAGE_PRODUCTS (declared on the field) and answers a
payload with what it changed and `userErrors { field message code }`.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from app.resolvers import catalog_mutations as resolve
from app.resolvers.context import Context
from app.resolvers.errors import Problem
from app.resolvers.permissions import staff
from app.schema.catalog import Category, Image, Product, ProductVariant, WeightUnit
from app.schema.common import UserError

MANAGE_PRODUCTS = "MANAGE_PRODUCTS"


def _sent(obj: object) -> dict[str, Any]:
    """An input's fields that the client sent (null included), by their schema names, with
    nested inputs as dicts too: what is left out stays as it is."""
    definition = obj.__strawberry_definition__  # type: ignore[attr-defined]
    out: dict[str, Any] = {}
    for f in definition.fields:
        value = getattr(obj, f.python_name)
        if value is strawberry.UNSET:
            continue
        out[_camel(f.python_name)] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if hasattr(value, "__strawberry_definition__"):
        return _sent(value)
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.title() for w in rest)


def _errors(problems: list[Problem]) -> list[UserError]:
    return [
        UserError(field=list(p.field) if p.field else None, message=p.message, code=p.code)
        for p in problems
    ]


def _currency(info: Info[Context, None]) -> str:
    return info.context.runtime.settings.currency_code


@strawberry.enum(description="Whether a product is for sale (ACTIVE), being prepared or retired.")
class ProductStatus(Enum):
    ACTIVE = "ACTIVE"
    DRAFT = "DRAFT"
    ARCHIVED = "ARCHIVED"


@strawberry.input(description="A product option's name and the variant's value for it.")
class VariantOptionValueInput:
    option_name: str = strawberry.field(description="The option, such as Color.")
    name: str = strawberry.field(description="The value, such as Red.")


@strawberry.input(
    description="A variant to create or change. Fields left out stay as they are (on a new "
    "variant: no SKU, price 0.00, no options, weight 0)."
)
class ProductVariantsBulkInput:
    id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The variant to change; left out: a new one."
    )
    sku: str | None = strawberry.UNSET
    price: Decimal | None = strawberry.UNSET
    compare_at_price: Decimal | None = strawberry.UNSET
    option_values: list[VariantOptionValueInput] | None = strawberry.field(
        default=strawberry.UNSET, description="At most 3, each option named once."
    )
    weight: Decimal | None = strawberry.UNSET
    weight_unit: WeightUnit | None = strawberry.field(
        default=strawberry.UNSET, description="The unit of `weight` (default GRAMS)."
    )


@strawberry.input(description="A product attribute for filtering (Material=Cotton).")
class ProductAttributeInput:
    name: str
    value: str


@strawberry.input(
    description="A product's fields. On update, fields left out stay as they are and null "
    "clears one."
)
class ProductInput:
    id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The product to update (productUpdate only)."
    )
    title: str | None = strawberry.UNSET
    handle: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Lowercase letters, digits and single dashes; unique. Default: the "
        "title's slug.",
    )
    description_html: str | None = strawberry.UNSET
    vendor: str | None = strawberry.field(default=strawberry.UNSET, description="The brand's name.")
    product_type: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    status: ProductStatus | None = strawberry.field(
        default=strawberry.UNSET, description="Default ACTIVE; only ACTIVE products are listed."
    )
    category_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="An existing category."
    )
    attributes: list[ProductAttributeInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Replace the product's attributes (at most 50)."
    )
    variants: list[ProductVariantsBulkInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The product's variants (at most 100): with an id a stored one, else one "
        "matched by SKU or created. On create, left out: one variant at 0.00.",
    )


@strawberry.input
class ProductDeleteInput:
    id: strawberry.ID


@strawberry.input(description="An image to add: its URL (http(s) or a path) and alt text.")
class ImageInput:
    url: str
    alt_text: str | None = None


@strawberry.input(description="A category's fields. On update, fields left out stay as they are.")
class CategoryInput:
    id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The category to update (categoryUpdate only)."
    )
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    parent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The category to put it under (null: the top level). On update it "
        "moves with everything below it.",
    )


@strawberry.input
class CategoryDeleteInput:
    id: strawberry.ID


@strawberry.type
class ProductCreatePayload:
    product: Product | None
    user_errors: list[UserError]


@strawberry.type
class ProductUpdatePayload:
    product: Product | None
    user_errors: list[UserError]


@strawberry.type
class ProductDeletePayload:
    deleted_product_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.type
class ProductVariantsBulkCreatePayload:
    product: Product | None
    product_variants: list[ProductVariant] | None
    user_errors: list[UserError]


@strawberry.type
class ProductVariantsBulkUpdatePayload:
    product: Product | None
    product_variants: list[ProductVariant] | None
    user_errors: list[UserError]


@strawberry.type
class ProductVariantsBulkDeletePayload:
    product: Product | None
    user_errors: list[UserError]


@strawberry.type
class ProductImagesAddPayload:
    product: Product | None
    images: list[Image] | None
    user_errors: list[UserError]


@strawberry.type
class ProductImageRemovePayload:
    product: Product | None
    deleted_image_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.type
class ProductImagesReorderPayload:
    product: Product | None
    images: list[Image] | None
    user_errors: list[UserError]


@strawberry.type
class CategoryCreatePayload:
    category: Category | None
    user_errors: list[UserError]


@strawberry.type
class CategoryUpdatePayload:
    category: Category | None
    user_errors: list[UserError]


@strawberry.type
class CategoryDeletePayload:
    deleted_category_id: strawberry.ID | None
    user_errors: list[UserError]


def _product(info: Info[Context, None], p: Any) -> Product | None:
    return Product.from_domain(p, _currency(info)) if p is not None else None


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(
        description="Create a product (needs MANAGE_PRODUCTS).", extensions=staff(MANAGE_PRODUCTS)
    )
    async def product_create(
        self, info: Info[Context, None], input: ProductInput
    ) -> ProductCreatePayload:
        out = await resolve.product_create(info.context, _sent(input))
        return ProductCreatePayload(
            product=_product(info, out.value), user_errors=_errors(out.errors)
        )

    @strawberry.mutation(
        description="Change a product's fields given in `input` (needs MANAGE_PRODUCTS).",
        extensions=staff(MANAGE_PRODUCTS),
    )
    async def product_update(
        self, info: Info[Context, None], input: ProductInput
    ) -> ProductUpdatePayload:
        out = await resolve.product_update(info.context, _sent(input))
        return ProductUpdatePayload(
            product=_product(info, out.value), user_errors=_errors(out.errors)
        )

    @strawberry.mutation(
        description="Delete a product with its variants and images, for good (status "
        "ARCHIVED hides one and keeps it). Needs MANAGE_PRODUCTS.",
        extensions=staff(MANAGE_PRODUCTS),
    )
    async def product_delete(
        self, info: Info[Context, None], input: ProductDeleteInput
    ) -> ProductDeletePayload:
        out = await resolve.product_delete(info.context, input.id)
        return ProductDeletePayload(
            deleted_product_id=strawberry.ID(out.value) if out.value else None,
            user_errors=_errors(out.errors),
        )

    @strawberry.mutation(
        description="Add variants to a product; a product's standalone default variant (no "
        "SKU, no options) gives way to new variants with options. Needs MANAGE_PRODUCTS.",
        extensions=staff(MANAGE_PRODUCTS),
    )
    async def product_variants_bulk_create(
        self,
        info: Info[Context, None],
        product_id: strawberry.ID,
        variants: list[ProductVariantsBulkInput],
    ) -> ProductVariantsBulkCreatePayload:
        out = await resolve.variants_create(info.context, product_id, [_sent(v) for v in variants])
        product, created = out.value or (None, [])
        return ProductVariantsBulkCreatePayload(
            product=_product(info, product),
            product_variants=[ProductVariant.from_domain(v, _currency(info)) for v in created]
            if out.value
            else None,
            user_errors=_errors(out.errors),
        )

    @strawberry.mutation(
        description="Change variants by id; fields left out stay. Needs MANAGE_PRODUCTS.",
        extensions=staff(MANAGE_PRODUCTS),
    )
    async def product_variants_bulk_update(
        self,
        info: Info[Context, None],
        product_id: strawberry.ID,
        variants: list[ProductVariantsBulkInput],
    ) -> ProductVariantsBulkUpdatePayload:
        out = await resolve.variants_update(info.context, product_id, [_sent(v) for v in variants])
        product, changed = out.value or (None, [])
        return ProductVariantsBulkUpdatePayload(
            product=_product(info, product),
            product_variants=[ProductVariant.from_domain(v, _currency(info)) for v in changed]
            if out.value
            else None,
            user_errors=_errors(out.errors),
        )

    @strawberry.mutation(
        description="Delete variants by id; a product keeps at least one. Needs MANAGE_PRODUCTS.",
        extensions=staff(MANAGE_PRODUCTS),
    )
    async def product_variants_bulk_delete(
        self,
        info: Info[Context, None],
        product_id: strawberry.ID,
        variants_ids: list[strawberry.ID],
    ) -> ProductVariantsBulkDeletePayload:
        out = await resolve.variants_delete(info.context, product_id, variants_ids)
        return ProductVariantsBulkDeletePayload(
            product=_product(info, out.value), user_errors=_errors(out.errors)
        )

    @strawberry.mutation(
        description="Add images after a product's own (at most 250 in all). Needs MANAGE_PRODUCTS.",
        extensions=staff(MANAGE_PRODUCTS),
    )
    async def product_images_add(
        self, info: Info[Context, None], product_id: strawberry.ID, images: list[ImageInput]
    ) -> ProductImagesAddPayload:
        out = await resolve.images_add(info.context, product_id, [_sent(i) for i in images])
        product, added = out.value or (None, [])
        return ProductImagesAddPayload(
            product=_product(info, product),
            images=[Image.from_domain(i) for i in added] if out.value else None,
            user_errors=_errors(out.errors),
        )

    @strawberry.mutation(
        description="Remove one image from a product. Needs MANAGE_PRODUCTS.",
        extensions=staff(MANAGE_PRODUCTS),
    )
    async def product_image_remove(
        self, info: Info[Context, None], product_id: strawberry.ID, image_id: strawberry.ID
    ) -> ProductImageRemovePayload:
        out = await resolve.image_remove(info.context, product_id, image_id)
        return ProductImageRemovePayload(
            product=_product(info, out.value),
            deleted_image_id=image_id if out.value else None,
            user_errors=_errors(out.errors),
        )

    @strawberry.mutation(
        description="Put the images listed first, in that order; the others follow in "
        "theirs. Needs MANAGE_PRODUCTS.",
        extensions=staff(MANAGE_PRODUCTS),
    )
    async def product_images_reorder(
        self, info: Info[Context, None], product_id: strawberry.ID, image_ids: list[strawberry.ID]
    ) -> ProductImagesReorderPayload:
        out = await resolve.images_reorder(info.context, product_id, image_ids)
        product, images = out.value or (None, [])
        return ProductImagesReorderPayload(
            product=_product(info, product),
            images=[Image.from_domain(i) for i in images] if out.value else None,
            user_errors=_errors(out.errors),
        )

    @strawberry.mutation(
        description="Create a category (its name must be new under its parent). Needs "
        "MANAGE_PRODUCTS.",
        extensions=staff(MANAGE_PRODUCTS),
    )
    async def category_create(
        self, info: Info[Context, None], input: CategoryInput
    ) -> CategoryCreatePayload:
        out = await resolve.category_create(info.context, _sent(input))
        return CategoryCreatePayload(
            category=Category.from_domain(out.value) if out.value else None,
            user_errors=_errors(out.errors),
        )

    @strawberry.mutation(
        description="Rename, describe or move a category (with everything below it); its "
        "handle stays. Needs MANAGE_PRODUCTS.",
        extensions=staff(MANAGE_PRODUCTS),
    )
    async def category_update(
        self, info: Info[Context, None], input: CategoryInput
    ) -> CategoryUpdatePayload:
        out = await resolve.category_update(info.context, _sent(input))
        return CategoryUpdatePayload(
            category=Category.from_domain(out.value) if out.value else None,
            user_errors=_errors(out.errors),
        )

    @strawberry.mutation(
        description="Delete an empty category: one with categories below it (HAS_CHILDREN) "
        "or products in it (HAS_PRODUCTS) is refused. Needs MANAGE_PRODUCTS.",
        extensions=staff(MANAGE_PRODUCTS),
    )
    async def category_delete(
        self, info: Info[Context, None], input: CategoryDeleteInput
    ) -> CategoryDeletePayload:
        out = await resolve.category_delete(info.context, input.id)
        return CategoryDeletePayload(
            deleted_category_id=strawberry.ID(out.value) if out.value else None,
            user_errors=_errors(out.errors),
        )
