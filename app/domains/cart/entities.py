"""What the cart context hands out: the stored cart (plain data, JSON both in Redis and in
its Postgres snapshot) and the priced view a read answers with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class Line:
    id: int  # unique inside its cart
    variant_id: int
    quantity: int
    # the unit price the shopper last saw for this line (when added or changed): a read
    # flags the line when the catalog's price has moved since
    seen_price: Decimal


@dataclass(frozen=True, slots=True)
class BuyerIdentity:
    email: str | None = None
    country_code: str | None = None


@dataclass(frozen=True, slots=True)
class Cart:
    id: str  # 128-bit random token (hex): knowing it is what lets a guest use the cart
    currency: str
    customer_id: int | None = None
    lines: tuple[Line, ...] = ()
    next_line_id: int = 1
    buyer: BuyerIdentity = BuyerIdentity()
    discount_codes: tuple[str, ...] = ()
    shipping_address: dict[str, str | None] | None = None
    delivery_option: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    # raised by every write: an older copy (Redis after an outage, a late snapshot) never
    # replaces a newer one
    version: int = 0

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["lines"] = [{**ln, "seen_price": str(ln["seen_price"])} for ln in d["lines"]]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Cart:
        return cls(
            id=d["id"],
            currency=d["currency"],
            customer_id=d.get("customer_id"),
            lines=tuple(
                Line(
                    id=ln["id"],
                    variant_id=ln["variant_id"],
                    quantity=ln["quantity"],
                    seen_price=Decimal(ln["seen_price"]),
                )
                for ln in d.get("lines", ())
            ),
            next_line_id=d.get("next_line_id", 1),
            buyer=BuyerIdentity(**(d.get("buyer") or {})),
            discount_codes=tuple(d.get("discount_codes", ())),
            shipping_address=d.get("shipping_address"),
            delivery_option=d.get("delivery_option"),
            created_at=d.get("created_at", 0.0),
            updated_at=d.get("updated_at", 0.0),
            version=d.get("version", 0),
        )

    def evolve(self, **changes: Any) -> Cart:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class VariantPrice:
    """What the catalog says a variant costs now (from its public service)."""

    variant_id: int
    product_id: int
    title: str
    price: Decimal
    compare_at_price: Decimal | None
    weight_grams: Decimal = Decimal(0)
    # the catalog's own object, passed through untouched for the API to show
    source: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class DeliveryOption:
    handle: str
    title: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Quote:
    """Discounts, delivery and tax on top of the lines' subtotal (the pricing context's
    answer; without it: none of them)."""

    discount: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    shipping: Decimal = Decimal(0)
    delivery_options: tuple[DeliveryOption, ...] = ()
    # discount codes the pricing context does not apply, with why
    rejected_codes: tuple[tuple[str, str], ...] = ()
    taxes_included: bool = False
    # what the pricing context makes of each line (by line id) and of the whole cart, when
    # it answered: its rounding and tax rules stand, the cart adds nothing up itself
    line_totals: Mapping[int, Decimal] = field(default_factory=dict)
    total: Decimal | None = None
    selected_delivery_option: str | None = None


@dataclass(frozen=True, slots=True)
class PricedLine:
    line: Line
    variant: VariantPrice | None  # None: the variant is gone from the catalog
    amount_per_quantity: Decimal
    compare_at_per_quantity: Decimal | None
    subtotal: Decimal
    total: Decimal
    price_changed: bool
    previous_amount_per_quantity: Decimal | None


@dataclass(frozen=True, slots=True)
class PricedCart:
    cart: Cart
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    shipping: Decimal
    total: Decimal
    delivery_options: tuple[DeliveryOption, ...] = ()
    # discount codes on the cart that the pricing context does not apply
    # (code, why) for discount codes on the cart the pricing context does not apply
    rejected_codes: tuple[tuple[str, str], ...] = field(default=())

    @property
    def total_quantity(self) -> int:
        return sum(pl.line.quantity for pl in self.lines)
