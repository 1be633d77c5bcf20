"""The pricing context: discount codes and their redemptions, shipping zones and methods,
tax rates, and the arithmetic that prices a cart from them.

A context of its own because its rules change on the merchant's schedule (a sale starts,
a carrier raises its rates, a tax rate changes), not the cart's; the cart, checkout and
orders all ask it the same question. Other code uses only what this module exports.
"""

from app.domains.pricing.compute import compute
from app.domains.pricing.entities import (
    DELIVERY_OPTION_UNAVAILABLE,
    DISCOUNT_EXPIRED,
    DISCOUNT_MINIMUM_NOT_MET,
    DISCOUNT_NOT_APPLICABLE,
    DISCOUNT_NOT_FOUND,
    DISCOUNT_NOT_STARTED,
    DISCOUNT_USAGE_LIMIT_REACHED,
    CodeProblem,
    DeliveryOption,
    DiscountCode,
    LinePrice,
    PricingLine,
    PricingRequest,
    PricingResult,
    PricingRules,
    Redemption,
    ShippingMethod,
    ShippingZone,
    TaxRate,
    WeightRate,
)
from app.domains.pricing.errors import (
    CodeTaken,
    DiscountRejected,
    InvalidInput,
    NotFound,
    PricingError,
)
from app.domains.pricing.service import *  # noqa: F403
from app.domains.pricing.service import __all__ as _service_all

CONTEXT = "pricing"

__all__ = [
    "CONTEXT",
    "DELIVERY_OPTION_UNAVAILABLE",
    "DISCOUNT_EXPIRED",
    "DISCOUNT_MINIMUM_NOT_MET",
    "DISCOUNT_NOT_APPLICABLE",
    "DISCOUNT_NOT_FOUND",
    "DISCOUNT_NOT_STARTED",
    "DISCOUNT_USAGE_LIMIT_REACHED",
    "CodeProblem",
    "CodeTaken",
    "DeliveryOption",
    "DiscountCode",
    "DiscountRejected",
    "InvalidInput",
    "LinePrice",
    "NotFound",
    "PricingError",
    "PricingLine",
    "PricingRequest",
    "PricingResult",
    "PricingRules",
    "Redemption",
    "ShippingMethod",
    "ShippingZone",
    "TaxRate",
    "WeightRate",
    "compute",
    *_service_all,
]
