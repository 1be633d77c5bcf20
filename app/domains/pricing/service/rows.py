"""Table rows to the context's entities."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.domains.pricing.entities import (
    DiscountCode,
    ShippingMethod,
    ShippingZone,
    TaxRate,
    WeightRate,
)
from app.platform.money import to_minor_units


def plain(d: Decimal) -> Decimal:
    """10.0000 → 10, 12.5000 → 12.5: what staff typed, not the column's scale."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def money(d: Decimal | None, currency: str | None) -> Decimal | None:
    if d is None:
        return None
    return to_minor_units(d, currency) if currency else plain(d)


def discount_code(r: Any) -> DiscountCode:
    return DiscountCode(
        id=r.id,
        code=r.code,
        kind=r.kind,
        value=money(r.value, r.currency if r.kind == "FIXED_AMOUNT" else None) or Decimal(0),
        currency=r.currency,
        minimum_subtotal=money(r.minimum_subtotal, r.currency),
        starts_at=r.starts_at,
        ends_at=r.ends_at,
        usage_limit=r.usage_limit,
        usage_limit_per_customer=r.usage_limit_per_customer,
        used_count=r.used_count,
        product_ids=tuple(r.product_ids or ()),
        category_ids=tuple(r.category_ids or ()),
        created_at=r.created_at,
        automatic=r.automatic,
    )


def shipping_method(r: Any) -> ShippingMethod:
    return ShippingMethod(
        id=r.id,
        zone_id=r.zone_id,
        name=r.name,
        currency=r.currency,
        kind=r.kind,
        rate=to_minor_units(r.rate, r.currency),
        weight_rates=tuple(
            WeightRate(int(w["up_to_grams"]), to_minor_units(Decimal(w["amount"]), r.currency))
            for w in r.weight_rates or ()
        ),
        free_over=money(r.free_over, r.currency),
    )


def shipping_zone(r: Any, methods: list[ShippingMethod]) -> ShippingZone:
    return ShippingZone(
        id=r.id,
        name=r.name,
        countries=tuple(r.countries or ()),
        methods=tuple(m for m in methods if m.zone_id == r.id),
    )


def tax_rate(r: Any) -> TaxRate:
    return TaxRate(country=r.country, province=r.province, rate=plain(r.rate))
