"""The second ceiling: strawberry executing the same listing query over in-memory objects.

No database, no DataLoaders, no Emporium code: the same field names and shapes as the
catalog query (24 products, 3 variants each, image, category), all plain attributes.
Served like the API (uvicorn, 2 workers), so catalog ÷ this is what our own layers cost
on top of GraphQL execution itself.
"""

from __future__ import annotations

from decimal import Decimal

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache


@strawberry.type
class Money:
    amount: Decimal
    currency_code: str


@strawberry.type
class SelectedOption:
    name: str
    value: str


@strawberry.type
class Variant:
    id: strawberry.ID
    sku: str
    title: str
    price: Money
    compare_at_price: Money | None
    selected_options: list[SelectedOption]


@strawberry.type
class VariantConnection:
    nodes: list[Variant]


@strawberry.type
class Image:
    url: str
    alt_text: str | None


@strawberry.type
class Category:
    id: strawberry.ID
    title: str


@strawberry.type
class PriceRange:
    min_variant_price: Money


@strawberry.type
class Product:
    id: strawberry.ID
    title: str
    handle: str
    vendor: str
    price_range: PriceRange
    featured_image: Image | None
    category: Category | None
    _variants: strawberry.Private[list[Variant]]

    @strawberry.field
    def variants(self, first: int = 10) -> VariantConnection:
        return VariantConnection(nodes=self._variants[:first])


@strawberry.type
class ProductConnection:
    nodes: list[Product]


def _product(n: int) -> Product:
    variants = [
        Variant(
            id=strawberry.ID(f"gid://emporium/ProductVariant/{n * 10 + k}"),
            sku=f"SKU-{n}-{k}",
            title=f"Color {k} / M",
            price=Money(amount=Decimal("19.99") + k, currency_code="USD"),
            compare_at_price=Money(amount=Decimal("29.99"), currency_code="USD")
            if k == 0
            else None,
            selected_options=[
                SelectedOption(name="Color", value=f"Color {k}"),
                SelectedOption(name="Size", value="M"),
            ],
        )
        for k in range(3)
    ]
    return Product(
        id=strawberry.ID(f"gid://emporium/Product/{n}"),
        title=f"Product {n}",
        handle=f"product-{n}",
        vendor="Acme",
        price_range=PriceRange(min_variant_price=variants[0].price),
        featured_image=Image(url=f"/static/demo/product-{n}-1.jpg", alt_text="front"),
        category=Category(id=strawberry.ID("gid://emporium/Category/1"), title="Shirts"),
        _variants=variants,
    )


PRODUCTS = [_product(n) for n in range(100)]


@strawberry.type
class Query:
    @strawberry.field
    def products(self, first: int = 20) -> ProductConnection:
        return ProductConnection(nodes=PRODUCTS[:first])


schema = strawberry.Schema(
    Query,
    extensions=[lambda: ParserCache(maxsize=128), lambda: ValidationCache(maxsize=128)],
)


async def ready(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


app = Starlette(
    routes=[
        Route("/", ready),
        Route("/graphql", GraphQL(schema, graphql_ide=None), methods=["POST"]),
    ]
)
