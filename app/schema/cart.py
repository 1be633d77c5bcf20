"""Carts in the schema, in Shopify's Storefront shapes: `cart(id:)`, `cartCreate`,
`cartLinesAdd`/`Update`/`Remove`, `cartDiscountCodesUpdate`, `cartBuyerIdentityUpdate`,
`cartShippingAddressUpdate`, `cartSelectedDeliveryOptionUpdate`; each mutation answers
`{cart, userErrors}`. Thin over `app/resolvers/cart.py`.

Who may use a cart: whoever holds the id of a guest cart; only its customer (signed in)
for a customer's cart: to anyone else it does not exist (null, or NOT_FOUND)."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from app.domains import cart
from app.platform.ids import to_global_id
from app.resolvers import cart as resolve
from app.resolvers.context import Context
from app.resolvers.errors import Problem
from app.schema.catalog import Last, NestedFirst, ProductVariant
from app.schema.common import Edge, Money, PageInfo, UserError, money, slice_list
from app.schema.customers import CountryCode, MailingAddressInput


@strawberry.type(description="What one unit and the whole line cost, from today's prices.")
class CartLineCost:
    amount_per_quantity: Money
    compare_at_amount_per_quantity: Money | None
    subtotal_amount: Money
    total_amount: Money


@strawberry.type(description="What the cart costs now (never what a client sent).")
class CartCost:
    subtotal_amount: Money
    total_discount_amount: Money
    total_tax_amount: Money
    shipping_amount: Money
    total_amount: Money


@strawberry.type(description="A line of a cart: one merchandise and its quantity.")
class CartLine:
    id: strawberry.ID
    quantity: int
    merchandise: ProductVariant | None = strawberry.field(
        description="Null when the variant is no longer sold (the line then costs nothing)."
    )
    cost: CartLineCost
    price_changed: bool = strawberry.field(
        description="The unit price moved since the shopper added or last changed the line."
    )
    previous_amount_per_quantity: Money | None = strawberry.field(
        description="The unit price the shopper saw before the change; null when unchanged."
    )


@strawberry.type
class CartLineConnection:
    edges: list[Edge[CartLine]]
    nodes: list[CartLine]
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many lines the cart has, over all pages.")


@strawberry.type(description="Who is buying.")
class CartBuyerIdentity:
    email: str | None
    country_code: CountryCode | None  # type: ignore[valid-type]
    customer_id: strawberry.ID | None = strawberry.field(
        description="The customer the cart belongs to; null for a guest cart."
    )


@strawberry.type(description="A discount code on the cart.")
class CartDiscountCode:
    code: str
    applicable: bool


@strawberry.type(description="Where a cart is to be delivered.")
class CartDeliveryAddress:
    first_name: str | None
    last_name: str | None
    company: str | None
    address1: str | None
    address2: str | None
    city: str | None
    province: str | None
    zip: str | None
    country_code: CountryCode | None  # type: ignore[valid-type]
    phone: str | None


@strawberry.type(description="A way to deliver the cart, with its cost.")
class CartDeliveryOption:
    handle: str
    title: str
    estimated_cost: Money


def _money(amount: Decimal, currency: str) -> Money:
    return money(amount, currency)


def _line(pl: cart.PricedLine, currency: str) -> CartLine:
    v = pl.variant
    return CartLine(
        id=strawberry.ID(to_global_id("CartLine", pl.line.id)),
        quantity=pl.line.quantity,
        merchandise=ProductVariant.from_domain(v.source, currency) if v is not None else None,
        cost=CartLineCost(
            amount_per_quantity=_money(pl.amount_per_quantity, currency),
            compare_at_amount_per_quantity=_money(pl.compare_at_per_quantity, currency)
            if pl.compare_at_per_quantity is not None
            else None,
            subtotal_amount=_money(pl.subtotal, currency),
            total_amount=_money(pl.total, currency),
        ),
        price_changed=pl.price_changed,
        previous_amount_per_quantity=_money(pl.previous_amount_per_quantity, currency)
        if pl.previous_amount_per_quantity is not None
        else None,
    )


def _country(code: str | None) -> object:
    return CountryCode[code] if code else None  # type: ignore[misc]


@strawberry.type(description="A shopping cart, priced on the server from current prices.")
class Cart:
    _c: strawberry.Private[cart.PricedCart]
    id: strawberry.ID = strawberry.field(
        description="Unguessable: a guest's cart is as private as this id. Keep it secret."
    )
    created_at: datetime
    updated_at: datetime
    total_quantity: int
    currency_code: str
    cost: CartCost
    buyer_identity: CartBuyerIdentity
    discount_codes: list[CartDiscountCode]
    shipping_address: CartDeliveryAddress | None
    delivery_options: list[CartDeliveryOption]
    selected_delivery_option: CartDeliveryOption | None

    @strawberry.field(description="The lines, a page at a time (all of them when left out).")
    def lines(
        self,
        first: NestedFirst = None,
        after: str | None = None,
        last: Last = None,
        before: str | None = None,
    ) -> CartLineConnection:
        c = self._c
        if first is None and last is None:
            first = 100
        window, info = slice_list(f"cart-lines:{c.cart.id}", c.lines, first, after, last, before)
        edges = [Edge(cursor=k, node=_line(pl, c.cart.currency)) for k, pl in window]
        return CartLineConnection(
            edges=edges, nodes=[e.node for e in edges], page_info=info, total_count=len(c.lines)
        )

    @classmethod
    def from_domain(cls, c: cart.PricedCart) -> Cart:
        cur = c.cart.currency
        options = [
            CartDeliveryOption(handle=o.handle, title=o.title, estimated_cost=_money(o.amount, cur))
            for o in c.delivery_options
        ]
        a = c.cart.shipping_address
        rejected = {code for code, _ in c.rejected_codes}
        return cls(
            _c=c,
            id=strawberry.ID(cart.encode_id(c.cart.id)),
            created_at=datetime.fromtimestamp(c.cart.created_at, UTC),
            updated_at=datetime.fromtimestamp(c.cart.updated_at, UTC),
            total_quantity=c.total_quantity,
            currency_code=cur,
            cost=CartCost(
                subtotal_amount=_money(c.subtotal, cur),
                total_discount_amount=_money(c.discount, cur),
                total_tax_amount=_money(c.tax, cur),
                shipping_amount=_money(c.shipping, cur),
                total_amount=_money(c.total, cur),
            ),
            buyer_identity=CartBuyerIdentity(
                email=c.cart.buyer.email,
                country_code=_country(c.cart.buyer.country_code),
                customer_id=strawberry.ID(to_global_id("Customer", c.cart.customer_id))
                if c.cart.customer_id
                else None,
            ),
            discount_codes=[
                CartDiscountCode(code=code, applicable=code not in rejected)
                for code in c.cart.discount_codes
            ],
            shipping_address=CartDeliveryAddress(
                **{k: a.get(k) for k in _ADDRESS_FIELDS if k != "country_code"},
                country_code=_country(a.get("country_code")),
            )
            if a
            else None,
            delivery_options=options,
            selected_delivery_option=next(
                (o for o in options if o.handle == c.cart.delivery_option), None
            ),
        )


_ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address1",
    "address2",
    "city",
    "province",
    "zip",
    "country_code",
    "phone",
)


@strawberry.input(description="A merchandise and how many of it (1 when left out).")
class CartLineInput:
    merchandise_id: strawberry.ID
    quantity: int | None = 1


@strawberry.input(description="A line's new quantity (0 removes it) or merchandise.")
class CartLineUpdateInput:
    id: strawberry.ID
    quantity: int | None = None
    merchandise_id: strawberry.ID | None = None


@strawberry.input(
    description="Who is buying. A customer access token signs the cart in: it becomes that "
    "customer's and merges with their existing cart."
)
class CartBuyerIdentityInput:
    email: str | None = None
    country_code: CountryCode | None = None  # type: ignore[valid-type]
    customer_access_token: str | None = None


@strawberry.input
class CartInput:
    lines: list[CartLineInput] | None = None
    buyer_identity: CartBuyerIdentityInput | None = None
    discount_codes: list[str] | None = None


@strawberry.type
class CartCreatePayload:
    cart: Cart | None
    user_errors: list[UserError]


@strawberry.type
class CartLinesAddPayload:
    cart: Cart | None
    user_errors: list[UserError]


@strawberry.type
class CartLinesUpdatePayload:
    cart: Cart | None
    user_errors: list[UserError]


@strawberry.type
class CartLinesRemovePayload:
    cart: Cart | None
    user_errors: list[UserError]


@strawberry.type
class CartDiscountCodesUpdatePayload:
    cart: Cart | None
    user_errors: list[UserError]


@strawberry.type
class CartBuyerIdentityUpdatePayload:
    cart: Cart | None
    user_errors: list[UserError]


@strawberry.type
class CartShippingAddressUpdatePayload:
    cart: Cart | None
    user_errors: list[UserError]


@strawberry.type
class CartSelectedDeliveryOptionUpdatePayload:
    cart: Cart | None
    user_errors: list[UserError]


PAYLOADS = (
    CartCreatePayload,
    CartLinesAddPayload,
    CartLinesUpdatePayload,
    CartLinesRemovePayload,
    CartDiscountCodesUpdatePayload,
    CartBuyerIdentityUpdatePayload,
    CartShippingAddressUpdatePayload,
    CartSelectedDeliveryOptionUpdatePayload,
)
MAX_DELIVERY_OPTIONS = 50
# a cart mutation reports its first problem (app/schema/cost.py)
LIST_BOUNDS: dict[str, int] = {
    "Cart.discountCodes": cart.MAX_DISCOUNT_CODES,
    "Cart.deliveryOptions": MAX_DELIVERY_OPTIONS,
    **{f"{p.__name__}.userErrors": 1 for p in PAYLOADS},
    # these also report each discount code the pricing context refuses
    "CartCreatePayload.userErrors": 1 + cart.MAX_DISCOUNT_CODES,
    "CartDiscountCodesUpdatePayload.userErrors": 1 + cart.MAX_DISCOUNT_CODES,
}


async def _run(
    work: Awaitable[cart.PricedCart], prefix: Sequence[str] = ()
) -> tuple[Cart | None, list[UserError]]:
    c, problems = await resolve.attempt(work, prefix)
    return (Cart.from_domain(c) if c else None), [_error(p) for p in problems]


def _code_errors(c: Cart | None, prefix: list[str]) -> list[UserError]:
    """Discount codes on the cart that do not apply, each as a userError with pricing's code
    (the cart keeps them, `applicable: false`, as Shopify does)."""
    if c is None:
        return []
    codes = list(c._c.cart.discount_codes)
    return [
        UserError(field=[*prefix, str(codes.index(code))], message=_CODE_MESSAGE, code=why)
        for code, why in c._c.rejected_codes
        if code in codes
    ]


_CODE_MESSAGE = "This discount code does not apply to this cart"


def _error(p: Problem) -> UserError:
    return UserError(field=list(p.field) if p.field else None, message=p.message, code=p.code)


@strawberry.type
class CartQuery:
    @strawberry.field(
        description="A cart by id: null when there is none, or when it is a customer's cart "
        "and the request is not signed in as that customer."
    )
    async def cart(self, info: Info[Context, None], id: strawberry.ID) -> Cart | None:
        c = await resolve.get(info.context, id)
        return Cart.from_domain(c) if c else None


@strawberry.type
class CartMutation:
    @strawberry.mutation(
        description="Start a cart. Signed in (or with `buyerIdentity.customerAccessToken`), it "
        "is the customer's, merged with the cart they already had."
    )
    async def cart_create(
        self, info: Info[Context, None], input: CartInput | None = None
    ) -> CartCreatePayload:
        cart_, errors = await _run(resolve.create(info.context, input or CartInput()), ["input"])
        errors += _code_errors(cart_, ["input", "discountCodes"])
        return CartCreatePayload(cart=cart_, user_errors=errors)

    @strawberry.mutation(description="Add lines; a variant already in the cart adds up.")
    async def cart_lines_add(
        self, info: Info[Context, None], cart_id: strawberry.ID, lines: list[CartLineInput]
    ) -> CartLinesAddPayload:
        c, errors = await _run(resolve.add_lines(info.context, cart_id, lines))
        return CartLinesAddPayload(cart=c, user_errors=errors)

    @strawberry.mutation(description="Change lines' quantities (0 removes) or merchandise.")
    async def cart_lines_update(
        self, info: Info[Context, None], cart_id: strawberry.ID, lines: list[CartLineUpdateInput]
    ) -> CartLinesUpdatePayload:
        c, errors = await _run(resolve.update_lines(info.context, cart_id, lines))
        return CartLinesUpdatePayload(cart=c, user_errors=errors)

    @strawberry.mutation(description="Remove lines by id.")
    async def cart_lines_remove(
        self, info: Info[Context, None], cart_id: strawberry.ID, line_ids: list[strawberry.ID]
    ) -> CartLinesRemovePayload:
        c, errors = await _run(resolve.remove_lines(info.context, cart_id, line_ids))
        return CartLinesRemovePayload(cart=c, user_errors=errors)

    @strawberry.mutation(description="Replace the cart's discount codes.")
    async def cart_discount_codes_update(
        self,
        info: Info[Context, None],
        cart_id: strawberry.ID,
        discount_codes: list[str] | None = None,
    ) -> CartDiscountCodesUpdatePayload:
        c, errors = await _run(
            resolve.update_discount_codes(info.context, cart_id, discount_codes or [])
        )
        errors += _code_errors(c, ["discountCodes"])
        return CartDiscountCodesUpdatePayload(cart=c, user_errors=errors)

    @strawberry.mutation(
        description="Change who is buying; a customer access token attaches a guest cart to "
        "that customer and merges it with their existing cart."
    )
    async def cart_buyer_identity_update(
        self,
        info: Info[Context, None],
        cart_id: strawberry.ID,
        buyer_identity: CartBuyerIdentityInput,
    ) -> CartBuyerIdentityUpdatePayload:
        c, errors = await _run(resolve.update_buyer_identity(info.context, cart_id, buyer_identity))
        return CartBuyerIdentityUpdatePayload(cart=c, user_errors=errors)

    @strawberry.mutation(description="Set where the cart is delivered.")
    async def cart_shipping_address_update(
        self, info: Info[Context, None], cart_id: strawberry.ID, address: MailingAddressInput
    ) -> CartShippingAddressUpdatePayload:
        fields = address.fields()
        c, errors = await _run(
            resolve.update_shipping_address(
                info.context, cart_id, {k: fields.get(k) for k in _ADDRESS_FIELDS}
            )
        )
        return CartShippingAddressUpdatePayload(cart=c, user_errors=errors)

    @strawberry.mutation(description="Choose one of the cart's `deliveryOptions`.")
    async def cart_selected_delivery_option_update(
        self, info: Info[Context, None], cart_id: strawberry.ID, delivery_option_handle: str
    ) -> CartSelectedDeliveryOptionUpdatePayload:
        c, errors = await _run(
            resolve.select_delivery_option(info.context, cart_id, delivery_option_handle)
        )
        return CartSelectedDeliveryOptionUpdatePayload(cart=c, user_errors=errors)
