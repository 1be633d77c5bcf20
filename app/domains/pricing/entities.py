"""What the pricing context hands out and takes in: frozen dataclasses, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

DiscountKind = Literal["PERCENTAGE", "FIXED_AMOUNT"]
ShippingKind = Literal["FLAT", "WEIGHT"]

# why a code the shopper entered does not apply (stable codes the cart shows as userErrors)
DISCOUNT_NOT_FOUND = "DISCOUNT_NOT_FOUND"
DISCOUNT_EXPIRED = "DISCOUNT_EXPIRED"
DISCOUNT_NOT_STARTED = "DISCOUNT_NOT_STARTED"
DISCOUNT_USAGE_LIMIT_REACHED = "DISCOUNT_USAGE_LIMIT_REACHED"
DISCOUNT_MINIMUM_NOT_MET = "DISCOUNT_MINIMUM_NOT_MET"
DISCOUNT_NOT_APPLICABLE = "DISCOUNT_NOT_APPLICABLE"
DELIVERY_OPTION_UNAVAILABLE = "DELIVERY_OPTION_UNAVAILABLE"


# --- the cart's request and the answer ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PricingLine:
    """One cart line as the catalog prices it now (never the client's figures)."""

    key: str
    variant_id: int
    product_id: int
    category_ids: tuple[int, ...]
    quantity: int
    unit_price: Decimal
    compare_at_price: Decimal | None = None
    weight_grams: int | None = None


@dataclass(frozen=True, slots=True)
class PricingRequest:
    currency: str
    lines: Sequence[PricingLine]
    discount_codes: Sequence[str] = ()
    customer_id: int | None = None
    email: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    province: str | None = None
    delivery_option: str | None = None  # a DeliveryOption.handle


@dataclass(frozen=True, slots=True)
class LinePrice:
    key: str
    subtotal: Decimal  # unit_price × quantity
    discount: Decimal  # the share of every applied code
    tax: Decimal  # included in `total` either way; inside `subtotal` when prices include tax
    total: Decimal  # what the shopper pays for the line (subtotal − discount, + tax if added)


@dataclass(frozen=True, slots=True)
class DeliveryOption:
    handle: str
    title: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CodeProblem:
    code: str  # as the shopper typed it
    error_code: str  # DISCOUNT_NOT_FOUND, DISCOUNT_EXPIRED, …


@dataclass(frozen=True, slots=True)
class PricingResult:
    currency: str
    lines: tuple[LinePrice, ...]
    subtotal: Decimal
    total_discount: Decimal
    total_tax: Decimal  # lines' tax + shipping's tax
    shipping: Decimal  # the selected option's amount (0 when none is selected)
    shipping_tax: Decimal
    total: Decimal
    applied_codes: tuple[str, ...]  # normalised (upper case)
    code_problems: tuple[CodeProblem, ...]
    delivery_options: tuple[DeliveryOption, ...]
    selected_delivery_option: DeliveryOption | None
    delivery_problem: str | None  # DELIVERY_OPTION_UNAVAILABLE when the chosen one is gone
    prices_include_tax: bool


# --- the rules staff manage -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiscountCode:
    id: int
    code: str  # shown upper case; matched ignoring case
    kind: DiscountKind
    value: Decimal  # percent (0 < v ≤ 100) or an amount in `currency`
    currency: str | None  # required for FIXED_AMOUNT and for a minimum subtotal
    minimum_subtotal: Decimal | None
    starts_at: datetime | None
    ends_at: datetime | None
    usage_limit: int | None  # redemptions in total
    usage_limit_per_customer: int | None
    used_count: int
    product_ids: tuple[int, ...] = ()  # empty with category_ids empty: every line
    category_ids: tuple[int, ...] = ()
    created_at: datetime | None = None
    automatic: bool = False  # applied to every cart it fits, without being entered


@dataclass(frozen=True, slots=True)
class WeightRate:
    up_to_grams: int  # inclusive upper bound of the bracket
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ShippingMethod:
    id: int
    zone_id: int
    name: str
    currency: str
    kind: ShippingKind
    rate: Decimal  # FLAT: the amount; WEIGHT: unused (0)
    weight_rates: tuple[WeightRate, ...] = ()
    free_over: Decimal | None = None  # free when the discounted subtotal reaches it


@dataclass(frozen=True, slots=True)
class ShippingZone:
    id: int
    name: str
    countries: tuple[str, ...]  # empty: the rest of the world (used when no zone names it)
    methods: tuple[ShippingMethod, ...] = ()


@dataclass(frozen=True, slots=True)
class TaxRate:
    country: str
    province: str  # "" for the whole country
    rate: Decimal  # 0.2 for 20 %


@dataclass(frozen=True, slots=True)
class PricingRules:
    """Everything `compute` needs, loaded once by `price` (or built by hand in tests)."""

    prices_include_tax: bool
    now: datetime
    codes: Mapping[str, DiscountCode] = field(default_factory=dict)  # by lower-cased code
    customer_uses: Mapping[int, int] = field(default_factory=dict)  # code id → this buyer's uses
    zones: Sequence[ShippingZone] = ()
    tax_rates: Sequence[TaxRate] = ()


@dataclass(frozen=True, slots=True)
class Redemption:
    code_id: int
    code: str
    reference: str
