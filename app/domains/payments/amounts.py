"""Prices (decimal, as shoppers read them) to the integer minor units payments use, and
back, on app/platform/money.py's rule: the currency's ISO 4217 digits, half-even."""

from __future__ import annotations

from decimal import Decimal

from app.platform.money import minor_units, to_minor_units


def to_minor(amount: Decimal, currency: str) -> int:
    """12.345 USD → 1234 (half-even), 1500 JPY → 1500, 1.2345 KWD → 1234."""
    return int(to_minor_units(amount, currency).scaleb(minor_units(currency)))


def from_minor(minor: int, currency: str) -> Decimal:
    """1234 USD → Decimal('12.34'); always with the currency's digits."""
    return to_minor_units(Decimal(minor).scaleb(-minor_units(currency)), currency)
