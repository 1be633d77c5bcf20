"""`price`: load the rules a request needs (a few statements), then the pure arithmetic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from app.domains.pricing.compute import compute, normalise_code
from app.domains.pricing.compute import delivery_options as offered
from app.domains.pricing.entities import (
    DeliveryOption,
    PricingRequest,
    PricingResult,
    PricingRules,
    ShippingZone,
)
from app.domains.pricing.models import (
    discount_codes,
    discount_redemptions,
    shipping_methods,
    shipping_zones,
    tax_rates,
)
from app.domains.pricing.service import rows
from app.domains.pricing.service.writes import MAX_AUTOMATIC
from app.platform.db import UnitOfWork


def buyer_filter(customer_id: int | None, email: str | None) -> sa.ColumnElement[bool] | None:
    """A buyer's past redemptions: by customer id or by e-mail (either identifies them)."""
    terms = []
    if customer_id is not None:
        terms.append(discount_redemptions.c.customer_id == customer_id)
    if email:
        terms.append(discount_redemptions.c.email == email.strip().lower())
    return sa.or_(*terms) if terms else None


async def customer_uses(
    uow: UnitOfWork, code_ids: Sequence[int], customer_id: int | None, email: str | None
) -> dict[int, int]:
    who = buyer_filter(customer_id, email)
    if who is None or not code_ids:
        return {}
    result = await uow.session.execute(
        sa.select(discount_redemptions.c.code_id, sa.func.count())
        .where(discount_redemptions.c.code_id.in_(code_ids), who)
        .group_by(discount_redemptions.c.code_id)
    )
    return {code_id: n for code_id, n in result.all()}


async def zones_for(uow: UnitOfWork, country: str, currency: str) -> list[ShippingZone]:
    """The zones naming `country` and the rest-of-the-world ones, with their methods in
    `currency` (compute picks between them)."""
    zone_rows = (
        await uow.session.execute(
            sa.select(shipping_zones).where(
                sa.or_(
                    shipping_zones.c.countries.any(country.upper()),
                    shipping_zones.c.countries == sa.text("'{}'::text[]"),
                )
            )
        )
    ).all()
    if not zone_rows:
        return []
    method_rows = (
        await uow.session.execute(
            sa.select(shipping_methods)
            .where(
                shipping_methods.c.zone_id.in_([z.id for z in zone_rows]),
                shipping_methods.c.currency == currency.upper(),
            )
            .order_by(shipping_methods.c.id)
        )
    ).all()
    methods = [rows.shipping_method(m) for m in method_rows]
    return [rows.shipping_zone(z, methods) for z in zone_rows]


async def load_rules(
    uow: UnitOfWork,
    request: PricingRequest,
    *,
    prices_include_tax: bool,
    now: datetime | None = None,
) -> PricingRules:
    """The codes the request names (with this buyer's uses), the destination's zones and
    tax rates: everything `compute` reads, nothing more."""
    keys = sorted({normalise_code(c) for c in request.discount_codes} - {""})
    at = now or datetime.now(UTC)
    active = (
        sa.select(discount_codes)
        .where(
            discount_codes.c.automatic,
            sa.or_(discount_codes.c.starts_at.is_(None), discount_codes.c.starts_at <= at),
            sa.or_(discount_codes.c.ends_at.is_(None), discount_codes.c.ends_at > at),
        )
        .order_by(discount_codes.c.id)
        .limit(MAX_AUTOMATIC)
    )
    query = (
        sa.union(
            sa.select(discount_codes).where(sa.func.lower(discount_codes.c.code).in_(keys)),
            active,
        )
        if keys
        else active
    )
    found = (await uow.session.execute(query)).all()
    codes = {r.code.lower(): rows.discount_code(r) for r in found}
    uses = await customer_uses(
        uow, [c.id for c in codes.values()], request.customer_id, request.email
    )
    zones: list[ShippingZone] = []
    rates = []
    if request.country:
        zones = await zones_for(uow, request.country, request.currency)
        rates = [
            rows.tax_rate(r)
            for r in await uow.session.execute(
                sa.select(tax_rates).where(tax_rates.c.country == request.country.upper())
            )
        ]
    return PricingRules(
        prices_include_tax=prices_include_tax,
        now=at,
        codes=codes,
        customer_uses=uses,
        zones=zones,
        tax_rates=rates,
    )


async def price(
    uow: UnitOfWork,
    request: PricingRequest,
    *,
    prices_include_tax: bool,
    now: datetime | None = None,
) -> PricingResult:
    """Price `request` from the current rules (read only; `uow` may be a reader)."""
    async with uow:
        rules = await load_rules(uow, request, prices_include_tax=prices_include_tax, now=now)
    return compute(rules, request)


async def delivery_options(
    uow: UnitOfWork, country: str, subtotal: Decimal, weight_grams: int, currency: str
) -> list[DeliveryOption]:
    """The delivery options for a destination, a (discounted) subtotal and a weight."""
    async with uow:
        zones = await zones_for(uow, country, currency)
    return offered(zones, country, subtotal, weight_grams, currency)
