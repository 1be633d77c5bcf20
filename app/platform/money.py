"""Currency amounts as shoppers read them: always with the currency's minor-unit digits."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

# ISO 4217 minor units where they are not 2 (the default). Zero-decimal currencies are
# priced in whole units; three-decimal ones in thousandths.
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    "CLF": 4,
    "UYW": 4,
}


def minor_units(currency: str) -> int:
    """How many digits follow the decimal point in `currency` (ISO 4217; 2 when unlisted)."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def to_minor_units(amount: Decimal, currency: str) -> Decimal:
    """`amount` with exactly the currency's digits: 0 → 0.00 in USD, 1500.00 → 1500 in JPY."""
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_EVEN)
