"""The seam to other contexts: what the cart needs from the catalog (current prices),
inventory (how many can be sold) and pricing (discounts, delivery, tax).

The cart context imports no other context; the composition root hands it adapters over
their public services (`app/resolvers/cart.py`). Until inventory and pricing are wired,
`NO_LIMITS` and `NO_EXTRAS` stand in: everything sells, no discounts, delivery or tax.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from app.domains.cart.entities import Cart, PricedLine, Quote, VariantPrice


class PriceSource(Protocol):
    async def __call__(self, variant_ids: Sequence[int], /) -> Mapping[int, VariantPrice]:
        """Variants that can be bought now, with their current catalog price (one batch)."""
        ...


class Availability(Protocol):
    async def __call__(self, variant_ids: Sequence[int], /) -> Mapping[int, int | None]:
        """How many of each variant can be sold (None or absent: not tracked, no limit)."""
        ...


class Pricer(Protocol):
    async def __call__(
        self, cart: Cart, lines: Sequence[PricedLine], subtotal: Decimal, /
    ) -> Quote:
        """Discounts, delivery options and tax for the priced lines."""
        ...


async def NO_LIMITS(variant_ids: Sequence[int]) -> Mapping[int, int | None]:
    return {}


async def NO_EXTRAS(cart: Cart, lines: Sequence[PricedLine], subtotal: Decimal) -> Quote:
    return Quote()
