"""Cart resolvers: parse ids and inputs, call the cart context, map its errors to
`userErrors`. Also the adapters the cart context prices and checks stock through (the
catalog's public service today; inventory and pricing plug in at `cart_service`)."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from app.domains import cart, catalog, customers, inventory, pricing
from app.platform.db import Database
from app.platform.ids import InvalidId, from_global_id
from app.resolvers.context import Context
from app.resolvers.customers import viewer_for
from app.resolvers.errors import Problem, user_errors

T = TypeVar("T")
USER_ERRORS = (cart.CartError, InvalidId, customers.TokenInvalid)


class CatalogPrices:
    """Current prices of buyable variants (active products), one catalog batch per call."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def __call__(self, variant_ids: Sequence[int]) -> Mapping[int, cart.VariantPrice]:
        if not variant_ids:
            return {}
        async with self.db.reader(catalog.CONTEXT) as uow:
            found = await catalog.variants_by_ids(uow, list(variant_ids))
        return {
            v.id: cart.VariantPrice(
                variant_id=v.id,
                product_id=v.product_id,
                title=v.title,
                price=v.price,
                compare_at_price=v.compare_at_price,
                weight_grams=v.weight_grams,
                source=v,
            )
            for v in found.values()
        }


class InventoryAvailability:
    """Sellable units from the inventory context (its Redis hot counts first)."""

    def __init__(self, db: Database, redis: Any) -> None:
        self.db = db
        self.redis = redis

    async def __call__(self, variant_ids: Sequence[int]) -> Mapping[int, int | None]:
        async with self.db.reader(inventory.CONTEXT) as uow:
            found = await inventory.available_quantities(uow, list(variant_ids), redis=self.redis)
        return dict(found)


def cart_service(runtime: Any) -> cart.CartService:
    """One service per process (runtime), over the store the runtime holds."""
    found = runtime.extra.get("cart.service")
    if found is None:
        s = runtime.settings
        found = runtime.extra["cart.service"] = cart.CartService(
            runtime.extra["cart.store"],
            currency=s.currency_code,
            prices=CatalogPrices(runtime.db),
            # the seam: inventory's available quantities and pricing's quote go here
            available=InventoryAvailability(runtime.db, runtime.redis),
            pricer=PricingQuote(runtime.db, s.prices_include_tax),
            limits=cart.limits(s),
        )
    return found  # type: ignore[no-any-return]


async def attempt(work: Awaitable[T], prefix: Sequence[str] = ()) -> tuple[T | None, list[Problem]]:
    try:
        return await work, []
    except USER_ERRORS as exc:
        return None, user_errors(exc, prefix)


def viewer_customer(ctx: Context) -> int | None:
    """The signed-in customer's id; None for guests (and staff, who own no carts)."""
    return ctx.viewer.id if ctx.viewer.kind == "customer" else None


def variant_id(gid: str, field: str) -> int:
    return from_global_id(gid, "ProductVariant", field=field)[1]


def line_id(gid: str, field: str) -> int:
    return from_global_id(gid, "CartLine", field=field)[1]


def line_inputs(lines: Sequence[Any]) -> list[cart.LineInput]:
    return [
        cart.LineInput(
            variant_id(li.merchandise_id, f"lines[{i}].merchandiseId"),
            li.quantity if li.quantity is not None else 1,
        )
        for i, li in enumerate(lines)
    ]


async def token_customer(ctx: Context, token: str | None) -> int | None:
    """The customer a buyer identity's access token names (TokenInvalid otherwise); it must
    be the request's own customer when the request is signed in."""
    if token is None:
        return None
    try:
        viewer = await viewer_for(ctx.runtime, token)
    except customers.TokenInvalid as exc:
        exc.field = "buyerIdentity.customerAccessToken"
        raise
    me = viewer_customer(ctx)
    if viewer.kind != "customer" or viewer.id is None or (me is not None and me != viewer.id):
        raise cart.CartError(
            "This customer access token does not belong to the signed-in customer",
            "buyerIdentity.customerAccessToken",
        )
    return viewer.id


async def get(ctx: Context, gid: str) -> cart.PricedCart | None:
    try:
        token = cart.decode_id(gid, "id")
    except cart.InvalidCartId:
        return None
    return await cart_service(ctx.runtime).get(token, viewer_customer(ctx))


async def create(ctx: Context, input: Any) -> cart.PricedCart:
    lines = line_inputs(input.lines or [])
    buyer, token = _buyer(input.buyer_identity)
    owner = await token_customer(ctx, token) or viewer_customer(ctx)
    return await cart_service(ctx.runtime).create(
        owner, lines, cart.BuyerIdentity(**buyer), input.discount_codes or []
    )


def _buyer(identity: Any) -> tuple[dict[str, Any], str | None]:
    if identity is None:
        return {}, None
    fields: dict[str, Any] = {}
    if identity.email is not None:
        email = identity.email.strip()
        if email and ("@" not in email or len(email) > 254):
            raise cart.CartError("Enter a valid e-mail address", "buyerIdentity.email")
        fields["email"] = email or None
    if identity.country_code is not None:
        fields["country_code"] = identity.country_code.value
    return fields, identity.customer_access_token


async def add_lines(ctx: Context, gid: str, lines: Sequence[Any]) -> cart.PricedCart:
    token = cart.decode_id(gid)
    inputs = line_inputs(lines)
    return await cart_service(ctx.runtime).add_lines(token, viewer_customer(ctx), inputs)


async def update_lines(ctx: Context, gid: str, lines: Sequence[Any]) -> cart.PricedCart:
    token = cart.decode_id(gid)
    updates = [
        cart.LineUpdate(
            line_id(u.id, f"lines[{i}].id"),
            u.quantity,
            variant_id(u.merchandise_id, f"lines[{i}].merchandiseId")
            if u.merchandise_id is not None
            else None,
        )
        for i, u in enumerate(lines)
    ]
    return await cart_service(ctx.runtime).update_lines(token, viewer_customer(ctx), updates)


async def remove_lines(ctx: Context, gid: str, line_ids: Sequence[str]) -> cart.PricedCart:
    token = cart.decode_id(gid)
    ids = [line_id(x, f"lineIds[{i}]") for i, x in enumerate(line_ids)]
    return await cart_service(ctx.runtime).remove_lines(token, viewer_customer(ctx), ids)


async def update_discount_codes(ctx: Context, gid: str, codes: Sequence[str]) -> cart.PricedCart:
    token = cart.decode_id(gid)
    return await cart_service(ctx.runtime).update_discount_codes(token, viewer_customer(ctx), codes)


async def update_buyer_identity(ctx: Context, gid: str, identity: Any) -> cart.PricedCart:
    token = cart.decode_id(gid)
    buyer, access_token = _buyer(identity)
    attach_to = await token_customer(ctx, access_token)
    return await cart_service(ctx.runtime).update_buyer_identity(
        token, viewer_customer(ctx), buyer, attach_to
    )


async def update_shipping_address(
    ctx: Context, gid: str, address: dict[str, Any]
) -> cart.PricedCart:
    token = cart.decode_id(gid)
    return await cart_service(ctx.runtime).update_shipping_address(
        token, viewer_customer(ctx), address
    )


async def select_delivery_option(ctx: Context, gid: str, handle: str) -> cart.PricedCart:
    token = cart.decode_id(gid)
    return await cart_service(ctx.runtime).select_delivery_option(
        token, viewer_customer(ctx), handle
    )


class PricingQuote:
    """Discounts (entered and automatic), delivery and tax from the pricing context's public
    `price()`. Skipped only for a cart with neither lines nor codes: nothing to price."""

    def __init__(self, db: Database, prices_include_tax: bool) -> None:
        self.db = db
        self.prices_include_tax = prices_include_tax

    async def __call__(
        self, c: cart.Cart, lines: Sequence[cart.PricedLine], subtotal: Decimal
    ) -> cart.Quote:
        address = c.shipping_address or {}
        country = address.get("country_code") or c.buyer.country_code
        if not lines and not c.discount_codes:
            return cart.Quote(taxes_included=self.prices_include_tax)
        # codes may apply to categories: each line's product's category and those above it
        chains = await self._categories([pl.variant.product_id for pl in lines if pl.variant])
        request = pricing.PricingRequest(
            currency=c.currency,
            lines=[
                pricing.PricingLine(
                    key=str(pl.line.id),
                    variant_id=pl.line.variant_id,
                    product_id=pl.variant.product_id,
                    category_ids=chains.get(pl.variant.product_id, ()),
                    quantity=pl.line.quantity,
                    unit_price=pl.amount_per_quantity,
                    compare_at_price=pl.compare_at_per_quantity,
                    weight_grams=int(pl.variant.weight_grams),
                )
                for pl in lines
                if pl.variant is not None
            ],
            discount_codes=list(c.discount_codes),
            customer_id=c.customer_id,
            email=c.buyer.email,
            country=country,
            province=address.get("province"),
            delivery_option=c.delivery_option,
        )
        r = await pricing.price(
            self.db.reader(pricing.CONTEXT), request, prices_include_tax=self.prices_include_tax
        )
        return cart.Quote(
            discount=r.total_discount,
            tax=r.total_tax,
            shipping=r.shipping,
            delivery_options=tuple(
                cart.DeliveryOption(o.handle, o.title, o.amount) for o in r.delivery_options
            ),
            rejected_codes=tuple((p.code.strip().upper(), p.error_code) for p in r.code_problems),
            taxes_included=r.prices_include_tax,
            line_totals={int(lp.key): lp.total for lp in r.lines},
            total=r.total,
            selected_delivery_option=r.selected_delivery_option.handle
            if r.selected_delivery_option
            else None,
        )

    async def _categories(self, product_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
        if not product_ids:
            return {}
        async with self.db.reader(catalog.CONTEXT) as uow:
            products = await catalog.products_by_ids(uow, list(set(product_ids)))
            known: dict[int, catalog.Category] = {}
            wanted = {p.category_id for p in products.values() if p.category_id is not None}
            while wanted:  # one query per level of the tree
                found = await catalog.categories_by_ids(uow, sorted(wanted))
                known.update(found)
                wanted = {x.parent_id for x in found.values() if x.parent_id is not None} - set(
                    known
                )
        chains: dict[int, tuple[int, ...]] = {}
        for p in products.values():
            chain: list[int] = []
            cid = p.category_id
            while cid is not None and cid in known and len(chain) < 64:
                chain.append(cid)
                cid = known[cid].parent_id
            chains[p.id] = tuple(chain)
        return chains
