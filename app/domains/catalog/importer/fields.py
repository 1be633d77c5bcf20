"""What every import format shares: the report and row types, and the value parsers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from app.domains.catalog.errors import CatalogError
from app.domains.catalog.service import ProductDraft

_CENT = Decimal("0.01")
_GRAM = Decimal("0.001")


class ImportFileError(CatalogError):
    """The file as a whole cannot be imported (unknown type, missing columns): nothing was."""

    code = "IMPORT_FILE"


@dataclass(frozen=True)
class RowError:
    line: int  # 1-based line in the file where the row starts (the CSV header is line 1)
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    # what was read but not used (ignored columns, values not stored yet), each said once
    notices: list[str] = field(default_factory=list)
    # initial stock by SKU, read from the file: the catalog keeps no stock, so whoever
    # imports hands it to the inventory (`emporium import` does)
    stock: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedProduct:
    draft: ProductDraft
    lines: tuple[int, ...]  # the rows it was built from, to report a failure against


@dataclass
class ParseStats:
    rows: int = 0
    notices: list[str] = field(default_factory=list)
    # initial stock read from the file, by SKU (Shopify's "Variant Inventory Qty")
    stock: dict[str, int] = field(default_factory=dict)


Parsed = ParsedProduct | RowError


def parse_money(value: object, name: str = "price") -> Decimal:
    """A non-negative amount with at most two decimals; ValueError says what is wrong."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"bad {name} {json.dumps(value, default=str)}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f'bad {name} "{value}"') from None
    if not amount.is_finite():
        raise ValueError(f'bad {name} "{value}"')
    if amount < 0:
        raise ValueError(f'negative {name} "{value}"')
    if amount != amount.quantize(_CENT):
        raise ValueError(f'{name} "{value}" has more than two decimals')
    return amount.quantize(_CENT)


def parse_grams(value: object) -> Decimal:
    """Grams, fractions kept to the milligram (Shopify writes 8 oz as 226.796185)."""
    if value is None or value == "":
        return Decimal(0)
    try:
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise InvalidOperation
        grams = Decimal(str(value).strip())
        if not grams.is_finite() or grams >= 10**9:
            raise InvalidOperation
    except InvalidOperation:
        raise ValueError(f'bad weight_grams "{value}"') from None
    if grams < 0:
        raise ValueError(f'negative weight_grams "{value}"')
    return grams.quantize(_GRAM)


def parse_attributes(text: str) -> tuple[tuple[str, str], ...]:
    """ "Material=Cotton;Fit=Slim" → (("Material", "Cotton"), ("Fit", "Slim"))."""
    out = []
    for part in text.split(";"):
        if not part.strip():
            continue
        name, eq, value = part.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise ValueError(f'bad attribute "{part.strip()}" (expected Name=Value)')
        out.append((name.strip(), value.strip()))
    return tuple(dict.fromkeys(out))


def parse_tags(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))


def parse_category(text: str) -> tuple[str, ...]:
    """ "Apparel > Men > Shirts" → ("Apparel", "Men", "Shirts")."""
    return tuple(t.strip() for t in text.split(">") if t.strip())


def unreadable(text: str) -> str | None:
    """Why a row's raw text cannot be imported, or None when it can."""
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")  # the file is read with surrogateescape: bad bytes end up here
    except UnicodeEncodeError:
        return "not valid UTF-8 text"
    return None
