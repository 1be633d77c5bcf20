"""The arithmetic: discounts, tax and shipping for one request. Pure: no I/O, no clock."""

from __future__ import annotations

from app.domains.pricing.entities import PricingRequest, PricingResult, PricingRules


def compute(rules: PricingRules, request: PricingRequest) -> PricingResult:
    raise NotImplementedError
