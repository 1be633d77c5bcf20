"""Pricing in the schema: staff-managed discount codes, shipping zones and methods, tax
rates. Thin types built `from_domain`; permissions declared on each field."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from app.domains import pricing
from app.platform.ids import to_global_id
from app.platform.pagination import encode_cursor
from app.resolvers import pricing as resolve
from app.resolvers.context import Context
from app.resolvers.errors import Problem
from app.resolvers.permissions import staff
from app.schema.catalog import First
from app.schema.common import Edge, Money, PageInfo, UserError, money


@strawberry.enum(description="How a discount code takes money off.")
class DiscountCodeKind(enum.Enum):
    PERCENTAGE = "PERCENTAGE"
    FIXED_AMOUNT = "FIXED_AMOUNT"


@strawberry.enum(description="How a shipping method prices a delivery.")
class ShippingRateKind(enum.Enum):
    FLAT = "FLAT"
    WEIGHT = "WEIGHT"


@strawberry.type(
    description="A discount code shoppers enter in their cart (matched ignoring case)."
)
class DiscountCode:
    id: strawberry.ID
    code: str
    kind: DiscountCodeKind
    value: Decimal = strawberry.field(
        description="A percentage (`10` is 10 %) or, for FIXED_AMOUNT, an amount in `currencyCode`."
    )
    currency_code: str | None = strawberry.field(
        description="Set: the code applies only to carts in this currency."
    )
    minimum_subtotal: Money | None
    starts_at: datetime | None
    ends_at: datetime | None
    usage_limit: int | None
    usage_limit_per_customer: int | None
    used_count: int
    product_ids: list[strawberry.ID]
    category_ids: list[strawberry.ID]
    automatic: bool = strawberry.field(
        description="Applied to every cart it fits without being entered (the oldest "
        "20 active ones are considered)."
    )

    @classmethod
    def from_domain(cls, c: pricing.DiscountCode) -> DiscountCode:
        return cls(
            id=strawberry.ID(to_global_id("DiscountCode", c.id)),
            code=c.code,
            kind=DiscountCodeKind(c.kind),
            value=c.value,
            currency_code=c.currency,
            minimum_subtotal=(
                money(c.minimum_subtotal, c.currency)
                if c.minimum_subtotal is not None and c.currency
                else None
            ),
            starts_at=c.starts_at,
            ends_at=c.ends_at,
            usage_limit=c.usage_limit,
            usage_limit_per_customer=c.usage_limit_per_customer,
            used_count=c.used_count,
            product_ids=[strawberry.ID(to_global_id("Product", i)) for i in c.product_ids],
            category_ids=[strawberry.ID(to_global_id("Category", i)) for i in c.category_ids],
            automatic=c.automatic,
        )


@strawberry.type
class DiscountCodeConnection:
    edges: list[Edge[DiscountCode]]
    nodes: list[DiscountCode]
    page_info: PageInfo

    @strawberry.field(description="How many discount codes there are, over all pages.")
    async def total_count(self, info: Info[Context, None]) -> int:
        return await resolve.count_discount_codes(info.context)


@strawberry.type(description="One bracket of a weight-based rate: up to this weight, this amount.")
class WeightRate:
    up_to_grams: int
    amount: Decimal


@strawberry.type(description="A way to deliver to a zone, priced in one currency.")
class ShippingMethod:
    id: strawberry.ID
    name: str
    currency_code: str
    kind: ShippingRateKind
    rate: Money = strawberry.field(description="FLAT: the price of a delivery.")
    weight_rates: list[WeightRate] = strawberry.field(
        description="WEIGHT: the first bracket the cart's weight fits prices it; heavier "
        "than the last, the method is not offered."
    )
    free_over: Money | None = strawberry.field(
        description="Free when the cart's subtotal after discounts reaches this."
    )

    @classmethod
    def from_domain(cls, m: pricing.ShippingMethod) -> ShippingMethod:
        return cls(
            id=strawberry.ID(to_global_id("ShippingMethod", m.id)),
            name=m.name,
            currency_code=m.currency,
            kind=ShippingRateKind(m.kind),
            rate=money(m.rate, m.currency),
            weight_rates=[
                WeightRate(up_to_grams=r.up_to_grams, amount=r.amount) for r in m.weight_rates
            ],
            free_over=money(m.free_over, m.currency) if m.free_over is not None else None,
        )


@strawberry.type(description="Countries served by the same shipping methods.")
class ShippingZone:
    id: strawberry.ID
    name: str
    countries: list[str] = strawberry.field(
        description="ISO 3166-1 alpha-2 codes; empty: the rest of the world (the zone for "
        "every country no other zone names)."
    )
    methods: list[ShippingMethod]

    @classmethod
    def from_domain(cls, z: pricing.ShippingZone) -> ShippingZone:
        return cls(
            id=strawberry.ID(to_global_id("ShippingZone", z.id)),
            name=z.name,
            countries=list(z.countries),
            methods=[ShippingMethod.from_domain(m) for m in z.methods],
        )


@strawberry.type(description="A tax rate for a country or one of its provinces.")
class TaxRate:
    country_code: str
    province: str | None = strawberry.field(description="Null: the whole country.")
    rate: Decimal = strawberry.field(description="A fraction: `0.2` is 20 %.")

    @classmethod
    def from_domain(cls, t: pricing.TaxRate) -> TaxRate:
        return cls(country_code=t.country, province=t.province or None, rate=t.rate)


# --- inputs --------------------------------------------------------------------------------


@strawberry.input(
    description="A discount code's fields. Create: `code`, `kind` and `value` are required. "
    "Update: only the fields sent change (null clears an optional one)."
)
class DiscountCodeInput:
    code: str | None = strawberry.UNSET
    kind: DiscountCodeKind | None = strawberry.UNSET
    value: Decimal | None = strawberry.UNSET
    currency_code: str | None = strawberry.UNSET
    minimum_subtotal: Decimal | None = strawberry.UNSET
    starts_at: datetime | None = strawberry.UNSET
    ends_at: datetime | None = strawberry.UNSET
    usage_limit: int | None = strawberry.UNSET
    usage_limit_per_customer: int | None = strawberry.UNSET
    product_ids: list[strawberry.ID] | None = strawberry.UNSET
    category_ids: list[strawberry.ID] | None = strawberry.UNSET
    automatic: bool | None = strawberry.UNSET


@strawberry.input
class ShippingZoneInput:
    name: str | None = strawberry.UNSET
    countries: list[str] | None = strawberry.UNSET


@strawberry.input
class WeightRateInput:
    up_to_grams: int
    amount: Decimal


@strawberry.input(
    description="A shipping method's fields. Create: `name`, `currencyCode` and `kind` are "
    "required. Update: only the fields sent change."
)
class ShippingMethodInput:
    name: str | None = strawberry.UNSET
    currency_code: str | None = strawberry.UNSET
    kind: ShippingRateKind | None = strawberry.UNSET
    rate: Decimal | None = strawberry.UNSET
    weight_rates: list[WeightRateInput] | None = strawberry.UNSET
    free_over: Decimal | None = strawberry.UNSET


@strawberry.input
class TaxRateInput:
    country_code: str
    province: str | None = None
    rate: Decimal | None = strawberry.field(
        default=None, description="A fraction (`0.2` is 20 %); null removes the rate."
    )


_RENAMED = {"currency_code": "currency"}


def _sent(obj: object) -> dict[str, Any]:
    """The input's fields the client sent (null included), by the context's names."""
    out: dict[str, Any] = {}
    for f in obj.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        value = getattr(obj, f.python_name)
        if value is strawberry.UNSET:
            continue
        if isinstance(value, enum.Enum):
            value = value.value
        out[_RENAMED.get(f.python_name, f.python_name)] = value
    return out


# --- payloads ------------------------------------------------------------------------------


def _errors(problems: list[Problem]) -> list[UserError]:
    return [
        UserError(field=list(p.field) if p.field else None, message=p.message, code=p.code)
        for p in problems
    ]


@strawberry.type
class DiscountCodePayload:
    discount_code: DiscountCode | None
    user_errors: list[UserError]


@strawberry.type
class DiscountCodeDeletePayload:
    deleted_discount_code_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.type
class ShippingZonePayload:
    shipping_zone: ShippingZone | None
    user_errors: list[UserError]


@strawberry.type
class ShippingMethodPayload:
    shipping_method: ShippingMethod | None
    user_errors: list[UserError]


@strawberry.type
class DeletePayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.type
class TaxRatePayload:
    tax_rate: TaxRate | None = strawberry.field(description="Null when the rate was removed.")
    user_errors: list[UserError]


LIST_BOUNDS: dict[str, int] = {
    **{
        f"{p.__name__}.userErrors": resolve.MAX_USER_ERRORS
        for p in (
            DiscountCodePayload,
            DiscountCodeDeletePayload,
            ShippingZonePayload,
            ShippingMethodPayload,
            DeletePayload,
            TaxRatePayload,
        )
    },
    "Query.shippingZones": pricing.MAX_ZONES,
    "ShippingZone.methods": pricing.MAX_METHODS_PER_ZONE,
    "ShippingMethod.weightRates": pricing.MAX_WEIGHT_BRACKETS,
    "Query.taxRates": pricing.MAX_PROVINCES,
}


def _code_payload(found: pricing.DiscountCode | None, errors: list[Problem]) -> DiscountCodePayload:
    return DiscountCodePayload(
        discount_code=DiscountCode.from_domain(found) if found else None,
        user_errors=_errors(errors),
    )


def _zone_payload(found: pricing.ShippingZone | None, errors: list[Problem]) -> ShippingZonePayload:
    return ShippingZonePayload(
        shipping_zone=ShippingZone.from_domain(found) if found else None,
        user_errors=_errors(errors),
    )


def _method_payload(
    found: pricing.ShippingMethod | None, errors: list[Problem]
) -> ShippingMethodPayload:
    return ShippingMethodPayload(
        shipping_method=ShippingMethod.from_domain(found) if found else None,
        user_errors=_errors(errors),
    )


def _deleted(type_name: str, found: int | None, errors: list[Problem]) -> DeletePayload:
    return DeletePayload(
        deleted_id=strawberry.ID(to_global_id(type_name, found)) if found else None,
        user_errors=_errors(errors),
    )


@strawberry.type
class PricingQuery:
    @strawberry.field(
        description="Discount codes, oldest first (Relay connection, at most 100 a page).",
        extensions=staff("MANAGE_DISCOUNTS"),
    )
    async def discount_codes(
        self, info: Info[Context, None], first: First = None, after: str | None = None
    ) -> DiscountCodeConnection:
        codes, more, had_after = await resolve.discount_codes(info.context, first, after)
        edges = [
            Edge(cursor=encode_cursor("DiscountCode", (c.id,)), node=DiscountCode.from_domain(c))
            for c in codes
        ]
        return DiscountCodeConnection(
            edges=edges,
            nodes=[e.node for e in edges],
            page_info=PageInfo(
                has_next_page=more,
                has_previous_page=had_after,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(
        description="Every shipping zone with its methods.", extensions=staff("MANAGE_SETTINGS")
    )
    async def shipping_zones(self, info: Info[Context, None]) -> list[ShippingZone]:
        return [ShippingZone.from_domain(z) for z in await resolve.shipping_zones(info.context)]

    @strawberry.field(
        description="A country's tax rates: its own, then its provinces'.",
        extensions=staff("MANAGE_SETTINGS"),
    )
    async def tax_rates(self, info: Info[Context, None], country_code: str) -> list[TaxRate]:
        return [TaxRate.from_domain(t) for t in await resolve.tax_rates(info.context, country_code)]


@strawberry.type
class PricingMutation:
    @strawberry.mutation(
        description="Create a discount code.", extensions=staff("MANAGE_DISCOUNTS")
    )
    async def discount_code_create(
        self, info: Info[Context, None], input: DiscountCodeInput
    ) -> DiscountCodePayload:
        sent = _sent(input)
        return _code_payload(
            *await resolve.attempt(
                info.context,
                lambda uow: pricing.create_discount_code(uow, resolve.discount_changes(sent)),
            )
        )

    @strawberry.mutation(
        description="Change a discount code (only the fields sent).",
        extensions=staff("MANAGE_DISCOUNTS"),
    )
    async def discount_code_update(
        self, info: Info[Context, None], id: strawberry.ID, input: DiscountCodeInput
    ) -> DiscountCodePayload:
        sent = _sent(input)

        async def work(uow: Any) -> pricing.DiscountCode:
            return await pricing.update_discount_code(
                uow, resolve.parse_id(id, "DiscountCode"), resolve.discount_changes(sent)
            )

        return _code_payload(*await resolve.attempt(info.context, work))

    @strawberry.mutation(
        description="Delete a discount code (its redemptions go with it).",
        extensions=staff("MANAGE_DISCOUNTS"),
    )
    async def discount_code_delete(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> DiscountCodeDeletePayload:
        async def work(uow: Any) -> int:
            return await pricing.delete_discount_code(uow, resolve.parse_id(id, "DiscountCode"))

        found, errors = await resolve.attempt(info.context, work, ())
        return DiscountCodeDeletePayload(
            deleted_discount_code_id=strawberry.ID(to_global_id("DiscountCode", found))
            if found
            else None,
            user_errors=_errors(errors),
        )

    @strawberry.mutation(description="Create a shipping zone.", extensions=staff("MANAGE_SETTINGS"))
    async def shipping_zone_create(
        self, info: Info[Context, None], input: ShippingZoneInput
    ) -> ShippingZonePayload:
        sent = _sent(input)
        return _zone_payload(
            *await resolve.attempt(
                info.context,
                lambda uow: pricing.create_shipping_zone(
                    uow, sent.get("name"), sent.get("countries") or []
                ),
            )
        )

    @strawberry.mutation(
        description="Rename a shipping zone or replace its countries.",
        extensions=staff("MANAGE_SETTINGS"),
    )
    async def shipping_zone_update(
        self, info: Info[Context, None], id: strawberry.ID, input: ShippingZoneInput
    ) -> ShippingZonePayload:
        sent = _sent(input)

        async def work(uow: Any) -> pricing.ShippingZone:
            return await pricing.update_shipping_zone(
                uow, resolve.parse_id(id, "ShippingZone"), sent
            )

        return _zone_payload(*await resolve.attempt(info.context, work))

    @strawberry.mutation(
        description="Delete a shipping zone and its methods.", extensions=staff("MANAGE_SETTINGS")
    )
    async def shipping_zone_delete(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> DeletePayload:
        async def work(uow: Any) -> int:
            return await pricing.delete_shipping_zone(uow, resolve.parse_id(id, "ShippingZone"))

        return _deleted("ShippingZone", *await resolve.attempt(info.context, work, ()))

    @strawberry.mutation(
        description="Add a shipping method to a zone.", extensions=staff("MANAGE_SETTINGS")
    )
    async def shipping_method_create(
        self, info: Info[Context, None], zone_id: strawberry.ID, input: ShippingMethodInput
    ) -> ShippingMethodPayload:
        sent = resolve.method_changes(_sent(input))

        async def work(uow: Any) -> pricing.ShippingMethod:
            zone = resolve.parse_id(zone_id, "ShippingZone", "zoneId")
            return await pricing.create_shipping_method(uow, zone, sent)

        return _method_payload(*await resolve.attempt(info.context, work))

    @strawberry.mutation(
        description="Change a shipping method (only the fields sent).",
        extensions=staff("MANAGE_SETTINGS"),
    )
    async def shipping_method_update(
        self, info: Info[Context, None], id: strawberry.ID, input: ShippingMethodInput
    ) -> ShippingMethodPayload:
        sent = resolve.method_changes(_sent(input))

        async def work(uow: Any) -> pricing.ShippingMethod:
            return await pricing.update_shipping_method(
                uow, resolve.parse_id(id, "ShippingMethod"), sent
            )

        return _method_payload(*await resolve.attempt(info.context, work))

    @strawberry.mutation(
        description="Delete a shipping method.", extensions=staff("MANAGE_SETTINGS")
    )
    async def shipping_method_delete(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> DeletePayload:
        async def work(uow: Any) -> int:
            return await pricing.delete_shipping_method(uow, resolve.parse_id(id, "ShippingMethod"))

        return _deleted("ShippingMethod", *await resolve.attempt(info.context, work, ()))

    @strawberry.mutation(
        description="Set (or with a null rate, remove) the tax rate of a country or province.",
        extensions=staff("MANAGE_SETTINGS"),
    )
    async def tax_rate_set(self, info: Info[Context, None], input: TaxRateInput) -> TaxRatePayload:
        found, errors = await resolve.attempt(
            info.context,
            lambda uow: pricing.set_tax_rate(uow, input.country_code, input.province, input.rate),
        )
        return TaxRatePayload(
            tax_rate=TaxRate.from_domain(found) if found else None, user_errors=_errors(errors)
        )
