"""`price`: load the rules a request needs, then run the pure arithmetic on them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from app.domains.pricing.compute import compute
from app.domains.pricing.entities import (
    DeliveryOption,
    PricingRequest,
    PricingResult,
    PricingRules,
)
from app.platform.db import UnitOfWork


async def load_rules(
    uow: UnitOfWork, request: PricingRequest, *, prices_include_tax: bool, now: datetime | None = None
) -> PricingRules:
    raise NotImplementedError


async def price(
    uow: UnitOfWork,
    request: PricingRequest,
    *,
    prices_include_tax: bool,
    now: datetime | None = None,
) -> PricingResult:
    """Price `request`: reads the rules (one unit of work, no writes), then `compute`."""
    async with uow:
        rules = await load_rules(uow, request, prices_include_tax=prices_include_tax, now=now)
    return compute(rules, request)


async def delivery_options(
    uow: UnitOfWork, country: str, subtotal: Decimal, weight_grams: int, currency: str
) -> list[DeliveryOption]:
    raise NotImplementedError
