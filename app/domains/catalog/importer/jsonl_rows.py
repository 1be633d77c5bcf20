"""JSON Lines import: one product per line, any bad part rejects the whole line.

A key left out leaves that field of an existing product as it is; `null` or an empty
value clears it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from app.domains.catalog.errors import CatalogError
from app.domains.catalog.importer.fields import (
    Parsed,
    ParsedProduct,
    ParseStats,
    RowError,
    parse_category,
    parse_grams,
    parse_money,
    unreadable,
)
from app.domains.catalog.service import ImageDraft, ProductDraft, VariantDraft, validate_draft


def parse_jsonl_product(text: str, line: int) -> ParsedProduct | RowError:
    """One product from one JSON object; any bad part rejects the whole line."""
    bad = unreadable(text)
    if bad:
        return RowError(line, bad)
    try:
        obj = json.loads(text.rstrip(), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        return RowError(line, f"bad JSON: {exc.msg} (column {exc.colno})")
    if not isinstance(obj, dict):
        return RowError(line, "expected a JSON object")
    try:
        draft = _draft_from_json(obj)
        validate_draft(draft)
    except ValueError as exc:
        return RowError(line, str(exc))
    except CatalogError as exc:
        return RowError(line, f"{exc.field}: {exc.message}" if exc.field else exc.message)
    return ParsedProduct(draft, (line,))


# JSON key → the draft field it names (ProductDraft.given / VariantDraft.given)
_PRODUCT_KEYS = {
    "description_html": "description_html",
    "product_type": "product_type",
    "tags": "tags",
    "vendor": "brand",
    "category": "category",
    "images": "images",
    "attributes": "attributes",
    "status": "status",
}
_VARIANT_KEYS = {
    "options": "options",
    "compare_at_price": "compare_at_price",
    "weight_grams": "weight_grams",
    "title": "title",
}


def _text(obj: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise ValueError(f'missing "{key}"')
        return ""
    if not isinstance(value, str):
        raise ValueError(f'"{key}" must be a string')
    return value.strip()


def _dimension(img: dict[str, Any], key: str) -> int | None:
    value = img.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 1 << 31:
        raise ValueError(f'image "{key}" must be a positive whole number')
    return value


def _strings(value: object, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f'"{key}" must be a list of strings')
    return tuple(v.strip() for v in value if v.strip())


def _draft_from_json(obj: dict[str, Any]) -> ProductDraft:
    raw_variants = obj.get("variants")
    if not isinstance(raw_variants, list) or not raw_variants:
        raise ValueError('"variants" must be a non-empty list')
    variants = []
    seen: dict[tuple[tuple[str, str], ...], int] = {}
    for i, v in enumerate(raw_variants):
        where = f"variants[{i}]"
        if not isinstance(v, dict):
            raise ValueError(f"{where} must be an object")
        opts = v.get("options") or {}
        if not isinstance(opts, dict) or not all(
            isinstance(val, str | int) and not isinstance(val, bool) for val in opts.values()
        ):
            raise ValueError(f"{where}.options must map option names to values")
        options = tuple((str(n).strip(), str(val).strip()) for n, val in opts.items())
        if options in seen:
            raise ValueError(f"{where} has the same options as variants[{seen[options]}]")
        seen[options] = i
        try:
            if v.get("price") is None:
                raise ValueError("missing price")
            compare = v.get("compare_at_price")
            variants.append(
                VariantDraft(
                    sku=_text(v, "sku") or None,
                    price=parse_money(v["price"]),
                    options=options,
                    compare_at_price=None
                    if compare in (None, "")
                    else parse_money(compare, "compare_at_price"),
                    weight_grams=parse_grams(v.get("weight_grams")),
                    title=_text(v, "title") or None,
                    given=frozenset(f for k, f in _VARIANT_KEYS.items() if k in v),
                )
            )
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    images = []
    for i, img in enumerate(obj.get("images") or []):
        if not isinstance(img, dict) or not isinstance(img.get("url"), str):
            raise ValueError(f'images[{i}] must be an object with a "url"')
        images.append(
            ImageDraft(
                img["url"].strip(),
                _text(img, "alt") or None,
                _dimension(img, "width"),
                _dimension(img, "height"),
            )
        )
    attrs = obj.get("attributes") or {}
    if not isinstance(attrs, dict):
        raise ValueError('"attributes" must map names to lists of values')
    category = obj.get("category")
    return ProductDraft(
        handle=_text(obj, "handle", required=True),
        title=_text(obj, "title", required=True),
        variants=tuple(variants),
        description_html=_text(obj, "description_html") or None,
        product_type=_text(obj, "product_type") or None,
        tags=tuple(dict.fromkeys(_strings(obj.get("tags"), "tags"))),
        brand=_text(obj, "vendor") or None,
        category_path=parse_category(category)
        if isinstance(category, str)
        else _strings(category, "category"),
        images=tuple(images),
        attributes=tuple(
            dict.fromkeys(
                (str(n).strip(), v)
                for n, vs in attrs.items()
                for v in _strings(vs, f"attributes.{n}")
            )
        ),
        status=(_text(obj, "status") or "ACTIVE").upper(),
        given=frozenset(f for k, f in _PRODUCT_KEYS.items() if k in obj),
    )


def parse_jsonl(lines: Iterable[str], stats: ParseStats | None = None) -> Iterator[Parsed]:
    """Products and line errors from JSON Lines text; handles and SKUs unique in the file."""
    stats = stats if stats is not None else ParseStats()
    handles: dict[str, int] = {}
    skus: dict[str, int] = {}
    for line, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        stats.rows += 1
        item = parse_jsonl_product(text, line)
        if isinstance(item, ParsedProduct):
            d = item.draft
            dup = next((v.sku for v in d.variants if v.sku is not None and v.sku in skus), None)
            if d.handle in handles:
                item = RowError(
                    line, f'handle "{d.handle}" was already used on line {handles[d.handle]}'
                )
            elif dup is not None:
                item = RowError(line, f'duplicate SKU "{dup}" (first on line {skus[dup]})')
            else:
                handles[d.handle] = line
                skus.update((v.sku, line) for v in d.variants if v.sku is not None)
        yield item
