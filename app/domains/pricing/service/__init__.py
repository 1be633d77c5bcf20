"""Pricing use cases: `price` (what the cart calls), `redeem`/`restore` (the checkout saga),
and the staff writes to codes, shipping and tax."""

from app.domains.pricing.service.pricing import delivery_options, load_rules, price
from app.domains.pricing.service.redemptions import redeem, restore

__all__ = ["delivery_options", "load_rules", "price", "redeem", "restore"]
