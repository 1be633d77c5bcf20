"""Catalog types, named as in Shopify's Storefront API where it has a name."""

from __future__ import annotations

import html
import re
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.domains import catalog
from app.planner import batched, computed, each, planned
from app.platform.ids import to_global_id
from app.resolvers import catalog as resolve
from app.resolvers import inventory as stock
from app.resolvers.context import Context
from app.schema.common import Edge, Money, Node, PageInfo, keyset_edges, money, slice_list

_TAGS = re.compile(r"<[^>]+>")

First = Annotated[
    int | None,
    strawberry.argument(
        description="At most 100. Left out, with `last` left out too: the first 20."
    ),
]
Last = Annotated[int | None, strawberry.argument(description="At most 100.")]
# a product's variants and images are short lists: left out, they come whole
NestedFirst = Annotated[
    int | None,
    strawberry.argument(
        description="At most 100. Left out, with `last` left out too: all of them (up to 100)."
    ),
]


# `children` is a plain list, so it has a cap (the query cost counts on it)
CHILDREN_SHOWN = 100


@strawberry.enum(description="How to sort products.")
class ProductSortKeys(Enum):
    ID = "ID"
    TITLE = "TITLE"
    PRICE = "PRICE"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    VENDOR = "VENDOR"

    def domain(self) -> catalog.ProductSortKey:
        return catalog.ProductSortKey[self.name]


@strawberry.enum(description="Units of weight.")
class WeightUnit(Enum):
    GRAMS = "GRAMS"
    KILOGRAMS = "KILOGRAMS"


@strawberry.type(description="A product option's name and the value a variant has for it.")
class SelectedOption:
    name: str
    value: str


@strawberry.type(description="A product option (Color, Size, …) and every value its variants use.")
class ProductOption:
    name: str
    values: list[str]


@strawberry.type(description="A product attribute used for filtering (Material=Cotton).")
class ProductAttribute:
    name: str
    value: str


@strawberry.enum(description="The region of an image to keep when cropping.")
class CropRegion(Enum):
    CENTER = "CENTER"
    TOP = "TOP"
    BOTTOM = "BOTTOM"
    LEFT = "LEFT"
    RIGHT = "RIGHT"


@strawberry.enum(description="Image file formats an image can be converted to.")
class ImageContentType(Enum):
    JPG = "JPG"
    PNG = "PNG"
    WEBP = "WEBP"


@strawberry.input(
    description="How to transform an image (as in Shopify's Storefront API). Only images in "
    "Emporium's own image store are transformed; for an image hosted elsewhere it is ignored."
)
class ImageTransformInput:
    max_width: int | None = strawberry.field(
        default=None, description="Image width in pixels, from 1 to 5760. Never upscaled."
    )
    max_height: int | None = strawberry.field(
        default=None, description="Image height in pixels, from 1 to 5760. Never upscaled."
    )
    crop: CropRegion | None = strawberry.field(
        default=None,
        description="With both `maxWidth` and `maxHeight`: fill exactly that box and keep this "
        "region of the image. Without, the image is fitted within the sizes given.",
    )
    preferred_content_type: ImageContentType | None = strawberry.field(
        default=None, description="Convert to this format (default: the original's)."
    )
    scale: int = strawberry.field(
        default=1, description="Size multiplier for high-density screens, from 1 to 3."
    )

    def domain(self) -> resolve.ImageTransform:
        return resolve.image_transform(
            self.max_width,
            self.max_height,
            self.crop.value if self.crop else None,
            self.preferred_content_type.value if self.preferred_content_type else None,
            self.scale,
        )


@planned(
    url=computed(
        lambda i, kw, ctx: resolve.image_url(
            ctx, i._i.url, kw["transform"].domain() if kw.get("transform") else None
        )
    )
)
@strawberry.type(description="A product image.")
class Image(Node):
    _i: strawberry.Private[catalog.Image]
    id: strawberry.ID
    alt_text: str | None
    width: int | None = strawberry.field(
        description="The original's width in pixels; null for an image hosted elsewhere."
    )
    height: int | None = strawberry.field(
        description="The original's height in pixels; null for an image hosted elsewhere."
    )

    @classmethod
    def from_domain(cls, i: catalog.Image) -> Image:
        return cls(
            _i=i,
            id=strawberry.ID(to_global_id("ProductImage", i.id)),
            alt_text=i.alt or None,
            width=i.width,
            height=i.height,
        )

    @strawberry.field(
        description="The image's absolute URL. With `transform`, a URL of the image resized "
        "(and cropped or converted) by Emporium's image endpoint, cached for a year by any CDN. "
        "Only images in Emporium's own store are transformed: an image hosted elsewhere is "
        "returned as it is, and `transform` is ignored for it."
    )
    def url(self, info: Info[Context, None], transform: ImageTransformInput | None = None) -> str:
        return resolve.image_url(
            info.context, self._i.url, transform.domain() if transform else None
        )


@strawberry.type(description="The lowest and highest prices of a product's variants.")
class ProductPriceRange:
    min_variant_price: Money
    max_variant_price: Money


@strawberry.type(description="A brand (Shopify calls the brand's name `vendor`).")
class Brand(Node):
    id: strawberry.ID
    handle: str
    name: str

    @classmethod
    def from_domain(cls, b: catalog.Brand) -> Brand:
        return cls(id=strawberry.ID(to_global_id("Brand", b.id)), handle=b.handle, name=b.name)


@planned(
    product=batched(
        lambda ctx: ctx.catalog.product,
        lambda v: v._v.product_id,
        lambda v, p, kw, ctx: Product.from_domain(_present(p), _cur(ctx)),
    ),
    # the same batched hot counts the resolvers read (one load per level)
    available_for_sale=batched(
        lambda ctx: stock.loaders(ctx).available, lambda v: v._v.id, lambda v, n, kw, ctx: n > 0
    ),
    quantity_available=batched(
        lambda ctx: stock.loaders(ctx).available, lambda v: v._v.id, lambda v, n, kw, ctx: n
    ),
)
@strawberry.type(description="A sellable version of a product: one SKU with its own price.")
class ProductVariant(Node):
    _v: strawberry.Private[catalog.Variant]
    id: strawberry.ID
    sku: str | None = strawberry.field(description="The stock keeping unit; null when it has none.")
    title: str
    price: Money
    compare_at_price: Money | None = strawberry.field(
        description="The price before a markdown; null when the variant is not on sale."
    )
    selected_options: list[SelectedOption]
    weight: float = strawberry.field(description="In `weightUnit`.")
    weight_unit: WeightUnit

    @classmethod
    def from_domain(cls, v: catalog.Variant, currency: str) -> ProductVariant:
        return cls(
            _v=v,
            id=strawberry.ID(to_global_id("ProductVariant", v.id)),
            sku=v.sku or None,
            title=v.title,
            price=money(v.price, currency),
            compare_at_price=money(v.compare_at_price, currency)
            if v.compare_at_price is not None
            else None,
            selected_options=[SelectedOption(name=o.name, value=o.value) for o in v.options],
            weight=float(v.weight_grams),
            weight_unit=WeightUnit.GRAMS,
        )

    @strawberry.field(
        description="Whether a unit of this variant can be bought now (quantityAvailable > 0)."
    )
    async def available_for_sale(self, info: Info[Context, None]) -> bool:
        return await stock.variant_available(info.context, self._v.id) > 0

    @strawberry.field(
        description="Units that can be bought now over every warehouse: on hand less what "
        "checkouts in progress hold. Fresh within a second of any stock change."
    )
    async def quantity_available(self, info: Info[Context, None]) -> int:
        return await stock.variant_available(info.context, self._v.id)

    @strawberry.field(description="The product this variant belongs to.")
    async def product(self, info: Info[Context, None]) -> Product:
        p = await resolve.variant_product(info.context, self._v)
        return Product.from_domain(p, _currency(info))


@strawberry.type
class ProductVariantConnection:
    edges: list[Edge[ProductVariant]]
    nodes: list[ProductVariant]
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many variants, over all pages.")


@strawberry.type
class ImageConnection:
    edges: list[Edge[Image]]
    nodes: list[Image]
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many images, over all pages.")


def _default_all(first: int | None, last: int | None) -> int | None:
    """Nested lists are short: with neither `first` nor `last`, return them whole (≤100)."""
    return 100 if first is None and last is None else first


def _currency(info: Info[Context, None]) -> str:
    return info.context.runtime.settings.currency_code


def _present(p: catalog.Product | None) -> catalog.Product:
    """A variant's product, loaded by the planner: if it vanished meanwhile, the standard
    executor answers (with its NOT_FOUND error)."""
    if p is None:
        raise LookupError("the variant's product is no longer available")
    return p


def _plain_text(description_html: str | None) -> str:
    return " ".join(html.unescape(_TAGS.sub(" ", description_html or "")).split())


def _variant_connection(
    p: Product, items: list[catalog.Variant], kw: dict[str, Any], ctx: Context
) -> ProductVariantConnection:
    first, last = kw.get("first"), kw.get("last")
    window, page_info = slice_list(
        f"variants:{p._p.id}", items, _default_all(first, last), kw.get("after"), last,
        kw.get("before"),
    )  # fmt: skip
    cur = ctx.runtime.settings.currency_code
    edges = [Edge(cursor=c, node=ProductVariant.from_domain(v, cur)) for c, v in window]
    return ProductVariantConnection(
        edges=edges, nodes=[e.node for e in edges], page_info=page_info, total_count=len(items)
    )


def _image_connection(
    p: Product, items: list[catalog.Image], kw: dict[str, Any], ctx: Context
) -> ImageConnection:
    first, last = kw.get("first"), kw.get("last")
    window, page_info = slice_list(
        f"images:{p._p.id}", items, _default_all(first, last), kw.get("after"), last,
        kw.get("before"),
    )  # fmt: skip
    edges = [Edge(cursor=c, node=Image.from_domain(i)) for c, i in window]
    return ImageConnection(
        edges=edges, nodes=[e.node for e in edges], page_info=page_info, total_count=len(items)
    )


def _first_image(items: list[catalog.Image]) -> Image | None:
    return Image.from_domain(items[0]) if items else None


def _options(items: list[catalog.Variant]) -> list[ProductOption]:
    values: dict[str, list[str]] = {}
    for v in items:
        for o in v.options:
            seen = values.setdefault(o.name, [])
            if o.value not in seen:
                seen.append(o.value)
    return [ProductOption(name=n, values=vs) for n, vs in values.items()]


def _compare_at_price_range(items: list[catalog.Variant], cur: str) -> ProductPriceRange:
    prices = [v.compare_at_price or Decimal("0") for v in items] or [Decimal("0")]
    return ProductPriceRange(
        min_variant_price=money(min(prices), cur), max_variant_price=money(max(prices), cur)
    )


def _category(c: catalog.Category | None) -> Category | None:
    return Category.from_domain(c) if c else None


def _brand(b: catalog.Brand | None) -> Brand | None:
    return Brand.from_domain(b) if b else None


def _attributes(items: list[tuple[str, str]]) -> list[ProductAttribute]:
    return [ProductAttribute(name=n, value=v) for n, v in items]


def _cur(ctx: Context) -> str:
    return ctx.runtime.settings.currency_code


def _by_product(loader: str, build: Any) -> Any:
    """Planned: one `loader` batch for every product at that level, then `build`."""
    return batched(lambda ctx: getattr(ctx.catalog, loader), lambda p: p._p.id, build)


@planned(
    description=computed(lambda p, kw, ctx: _plain_text(p._p.description_html)),
    available_for_sale=each(lambda p, kw, ctx: stock.product_available(ctx, p._p.id)),
    variants=_by_product("variants", _variant_connection),
    images=_by_product("images", _image_connection),
    featured_image=_by_product("images", lambda p, items, kw, ctx: _first_image(items)),
    options=_by_product("variants", lambda p, items, kw, ctx: _options(items)),
    compare_at_price_range=_by_product(
        "variants", lambda p, items, kw, ctx: _compare_at_price_range(items, _cur(ctx))
    ),
    attributes=_by_product("attributes", lambda p, items, kw, ctx: _attributes(items)),
    category=batched(
        lambda ctx: ctx.catalog.category,
        lambda p: p._p.category_id,
        lambda p, c, kw, ctx: _category(c),
    ),
    brand=batched(
        lambda ctx: ctx.catalog.brand, lambda p: p._p.brand_id, lambda p, b, kw, ctx: _brand(b)
    ),
)
@strawberry.type(description="A product for sale, with its variants, images and category.")
class Product(Node):
    _p: strawberry.Private[catalog.Product]
    id: strawberry.ID
    handle: str
    title: str
    description_html: str
    vendor: str | None = strawberry.field(description="The brand's name; null when none.")
    product_type: str | None = strawberry.field(description="Null when the product has none.")
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    price_range: ProductPriceRange

    @classmethod
    def from_domain(cls, p: catalog.Product, currency: str) -> Product:
        return cls(
            _p=p,
            id=strawberry.ID(to_global_id("Product", p.id)),
            handle=p.handle,
            title=p.title,
            description_html=p.description_html or "",
            vendor=p.vendor or None,
            product_type=p.product_type or None,
            tags=list(p.tags),
            created_at=p.created_at,
            updated_at=p.updated_at,
            price_range=ProductPriceRange(
                min_variant_price=money(p.min_price, currency),
                max_variant_price=money(p.max_price, currency),
            ),
        )

    @strawberry.field(description="Whether any of the product's variants is available for sale.")
    async def available_for_sale(self, info: Info[Context, None]) -> bool:
        return await stock.product_available(info.context, self._p.id)

    @strawberry.field(description="The description as plain text.")
    def description(self) -> str:
        return _plain_text(self._p.description_html)

    @strawberry.field
    async def variants(
        self,
        info: Info[Context, None],
        first: NestedFirst = None,
        after: str | None = None,
        last: Last = None,
        before: str | None = None,
    ) -> ProductVariantConnection:
        items = await info.context.catalog.variants.load(self._p.id)
        page = {"first": first, "after": after, "last": last, "before": before}
        return _variant_connection(self, items, page, info.context)

    @strawberry.field
    async def images(
        self,
        info: Info[Context, None],
        first: NestedFirst = None,
        after: str | None = None,
        last: Last = None,
        before: str | None = None,
    ) -> ImageConnection:
        items = await info.context.catalog.images.load(self._p.id)
        page = {"first": first, "after": after, "last": last, "before": before}
        return _image_connection(self, items, page, info.context)

    @strawberry.field(description="The first image, if any.")
    async def featured_image(self, info: Info[Context, None]) -> Image | None:
        return _first_image(await info.context.catalog.images.load(self._p.id))

    @strawberry.field(description="Options (Color, Size, …) with the values the variants use.")
    async def options(self, info: Info[Context, None]) -> list[ProductOption]:
        return _options(await info.context.catalog.variants.load(self._p.id))

    @strawberry.field(
        description="Lowest and highest compare-at prices over the variants. Never null: a "
        "variant without a compare-at price counts as zero, so a product with none answers "
        "`0.00` amounts (as Shopify does)."
    )
    async def compare_at_price_range(self, info: Info[Context, None]) -> ProductPriceRange:
        items = await info.context.catalog.variants.load(self._p.id)
        return _compare_at_price_range(items, _currency(info))

    @strawberry.field
    async def category(self, info: Info[Context, None]) -> Category | None:
        if self._p.category_id is None:
            return None
        return _category(await info.context.catalog.category.load(self._p.category_id))

    @strawberry.field
    async def brand(self, info: Info[Context, None]) -> Brand | None:
        if self._p.brand_id is None:
            return None
        return _brand(await info.context.catalog.brand.load(self._p.brand_id))

    @strawberry.field(description="Attributes used for filtering, such as Material=Cotton.")
    async def attributes(self, info: Info[Context, None]) -> list[ProductAttribute]:
        return _attributes(await info.context.catalog.attributes.load(self._p.id))


@planned(
    total_count=batched(
        lambda ctx: ctx.catalog.product_count, lambda c: c._listing.filter, lambda c, n, kw, ctx: n
    )
)
@strawberry.type
class ProductConnection:
    _listing: strawberry.Private[resolve.ProductListing]
    edges: list[Edge[Product]]
    nodes: list[Product]
    page_info: PageInfo

    @strawberry.field(description="How many products match the filter, over all pages.")
    async def total_count(self, info: Info[Context, None]) -> int:
        return await resolve.count_products(info.context, self._listing.filter)

    @classmethod
    def from_listing(cls, listing: resolve.ProductListing, currency: str) -> ProductConnection:
        page = listing.page
        edges, page_info = keyset_edges(
            resolve.product_cursor_kind(listing.sort_key, listing.reverse),
            [Product.from_domain(p, currency) for p in page.items],
            page.keys,
            page.has_next_page,
            page.has_previous_page,
        )
        return cls(
            _listing=listing, edges=edges, nodes=[e.node for e in edges], page_info=page_info
        )


@strawberry.input(
    description="A product attribute to match, name and value compared case-insensitively "
    "(values of one name are OR-ed)."
)
class AttributeFilterInput:
    name: str
    value: str


@strawberry.input(description="Inclusive price bounds; a product matches if any variant does.")
class PriceRangeFilterInput:
    min: Decimal | None = None
    max: Decimal | None = None


@strawberry.input(description="Narrow a product listing. Every given criterion must match.")
class ProductFilterInput:
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="The category or any category below it."
    )
    brand: str | None = strawberry.field(
        default=None, description="Brand name or handle, compared case-insensitively."
    )
    attributes: list[AttributeFilterInput] | None = None
    price: PriceRangeFilterInput | None = None

    def domain(self) -> catalog.ProductFilter:
        return resolve.product_filter(
            self.category_id,
            self.brand,
            [(a.name, a.value) for a in self.attributes or ()],
            self.price.min if self.price else None,
            self.price.max if self.price else None,
        )


async def list_products(
    info: Info[Context, None],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    filter: catalog.ProductFilter,
    sort_key: ProductSortKeys,
    reverse: bool,
) -> ProductConnection:
    return await list_products_in(
        info.context, first, after, last, before, filter, sort_key, reverse
    )


async def list_products_in(
    ctx: Context,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    filter: catalog.ProductFilter,
    sort_key: ProductSortKeys,
    reverse: bool,
) -> ProductConnection:
    listing = await resolve.products(
        ctx,
        first=first,
        after=after,
        last=last,
        before=before,
        filter=filter,
        sort_key=sort_key.domain(),
        reverse=reverse,
    )
    return ProductConnection.from_listing(listing, ctx.runtime.settings.currency_code)


async def _category_products(c: Category, kw: dict[str, Any], ctx: Context) -> ProductConnection:
    f = kw["filter"].domain() if kw.get("filter") else catalog.ProductFilter()
    return await list_products_in(
        ctx, kw.get("first"), kw.get("after"), kw.get("last"), kw.get("before"),
        resolve.within_category(f, c._c.id), kw.get("sort_key", ProductSortKeys.ID),
        kw.get("reverse", False),
    )  # fmt: skip


@planned(
    parent=batched(
        lambda ctx: ctx.catalog.category,
        lambda c: c._c.parent_id,
        lambda c, parent, kw, ctx: _category(parent),
    ),
    children=batched(
        lambda ctx: ctx.catalog.children,
        lambda c: c._c.id,
        lambda c, items, kw, ctx: [Category.from_domain(x) for x in items[:CHILDREN_SHOWN]],
    ),
    products=each(_category_products),
)
@strawberry.type(description="A node of the category tree.")
class Category(Node):
    _c: strawberry.Private[catalog.Category]
    id: strawberry.ID
    handle: str
    title: str
    description: str | None = strawberry.field(description="Null when the category has none.")
    level: int = strawberry.field(description="0 for a top-level category.")

    @classmethod
    def from_domain(cls, c: catalog.Category) -> Category:
        return cls(
            _c=c,
            id=strawberry.ID(to_global_id("Category", c.id)),
            handle=c.handle,
            title=c.title,
            description=c.description or None,
            level=c.depth,
        )

    @strawberry.field
    async def parent(self, info: Info[Context, None]) -> Category | None:
        if self._c.parent_id is None:
            return None
        c = await info.context.catalog.category.load(self._c.parent_id)
        return Category.from_domain(c) if c else None

    @strawberry.field(
        description=f"The first {CHILDREN_SHOWN} categories directly below this one, in order; "
        "page through any number with `categories(parentId:)`."
    )
    async def children(self, info: Info[Context, None]) -> list[Category]:
        items = await info.context.catalog.children.load(self._c.id)
        return [Category.from_domain(c) for c in items[:CHILDREN_SHOWN]]

    @strawberry.field(description="Products in this category and the ones below it.")
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
        return await list_products(
            info, first, after, last, before, resolve.within_category(f, self._c.id),
            sort_key, reverse,
        )  # fmt: skip


@planned(total_count=each(lambda c, kw, ctx: resolve.count_categories(ctx, c._count)))
@strawberry.type
class CategoryConnection:
    _count: strawberry.Private[resolve.CategoryCount]
    edges: list[Edge[Category]]
    nodes: list[Category]
    page_info: PageInfo

    @strawberry.field(description="How many categories the listing has, over all pages.")
    async def total_count(self, info: Info[Context, None]) -> int:
        return await resolve.count_categories(info.context, self._count)
