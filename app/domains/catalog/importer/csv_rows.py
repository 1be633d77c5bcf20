"""CSV import (Shopify-style, one row per variant): rows → products and row errors.

A product's rows are adjacent; it is held in memory only until its rows end.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from app.domains.catalog.errors import CatalogError
from app.domains.catalog.importer.fields import (
    ImportFileError,
    Parsed,
    ParsedProduct,
    ParseStats,
    RowError,
    parse_attributes,
    parse_category,
    parse_grams,
    parse_money,
    parse_tags,
    unreadable,
)
from app.domains.catalog.service import ImageDraft, ProductDraft, VariantDraft, validate_draft

REQUIRED_CSV_COLUMNS = ("handle", "title", "sku", "price")
# "Title: Default Title" is how Shopify exports spell "this product has no options"
_NO_OPTION = ("title", "default title")


@dataclass(frozen=True)
class CsvRow:
    """One CSV row after field checks; a row with `error` still lends its product fields."""

    line: int
    handle: str
    product: dict[str, str]
    sku: str = ""
    price: Decimal | None = None  # None: an image-only row (no SKU, no price, an image)
    compare_at_price: Decimal | None = None
    weight_grams: int = 0
    options: tuple[tuple[str, str], ...] = ()  # (name, value) of option1..3, "" when blank
    image: ImageDraft | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    error: str | None = None


_PRODUCT_COLUMNS = (
    "title",
    "description_html",
    "vendor",
    "product_type",
    "tags",
    "category",
    "status",
)


def read_csv_header(cells: Sequence[str]) -> dict[str, int]:
    """Column name → index; raises ImportFileError when a required column is missing."""
    columns: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = cell.strip().lower().replace(" ", "_")
        if name in columns:
            raise ImportFileError(f'column "{name}" appears twice in the header')
        if name:
            columns[name] = i
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in columns]
    if missing:
        raise ImportFileError(
            f"the CSV header lacks required column(s) {', '.join(missing)}: nothing was imported"
        )
    return columns


def parse_csv_row(columns: dict[str, int], cells: Sequence[str], line: int) -> CsvRow | RowError:
    bad = unreadable("".join(cells))
    if bad:
        return RowError(line, bad)
    if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
        return RowError(line, f"row has {len(cells)} fields but the header has {len(columns)}")
    absent = [c for c in REQUIRED_CSV_COLUMNS if columns[c] >= len(cells)]
    if absent:
        return RowError(line, f"missing column(s) {', '.join(absent)}")

    def get(name: str) -> str:
        i = columns.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    handle = get("handle")
    if not handle:
        return RowError(line, "missing handle")
    row = CsvRow(line, handle, {c: get(c) for c in _PRODUCT_COLUMNS if get(c)})
    image_url = get("image_url")
    image = ImageDraft(image_url, get("image_alt")) if image_url else None
    sku, price = get("sku"), get("price")
    if not sku and not price and image:
        return replace(row, image=image)
    options = tuple(
        ("", "") if (n.lower(), v.lower()) == _NO_OPTION else (n, v)
        for n, v in ((get(f"option{k}_name"), get(f"option{k}_value")) for k in (1, 2, 3))
    )
    row = replace(row, options=options)  # a bad first row still names the options
    try:
        if not sku:
            raise ValueError("missing SKU")
        if not price:
            raise ValueError("missing price")
        compare = get("compare_at_price")
        return replace(
            row,
            sku=sku,
            price=parse_money(price),
            compare_at_price=parse_money(compare, "compare_at_price") if compare else None,
            weight_grams=parse_grams(get("weight_grams")),
            image=image,
            attributes=parse_attributes(get("attributes")),
        )
    except ValueError as exc:
        return replace(row, error=str(exc))


def assemble_csv_product(rows: Sequence[CsvRow]) -> tuple[ParsedProduct | None, list[RowError]]:
    """One product from its adjacent rows: product fields from its first rows, a variant
    per good row. Bad rows are reported and left out; no good variant, no product."""
    errors = [RowError(r.line, r.error) for r in rows if r.error]
    good = [r for r in rows if not r.error]
    # options are named on the product's first variant row (Shopify leaves them blank after)
    first_variant = next((r for r in rows if r.price is not None or r.error), rows[0])
    names = [name for name, _ in first_variant.options] or ["", "", ""]
    seen: dict[tuple[tuple[str, str], ...], int] = {}
    variants: list[tuple[int, VariantDraft]] = []
    for r in good:
        if r.price is None:
            continue
        options, error = _row_options(r.options, names)
        if error is None and options in seen:
            shown = ", ".join(f"{n}={v}" for n, v in options) or "no options"
            error = f"same options as line {seen[options]} ({shown})"
        if error is not None:
            errors.append(RowError(r.line, error))
            continue
        seen[options] = r.line
        draft = VariantDraft(r.sku, r.price, options, r.compare_at_price, r.weight_grams)
        variants.append((r.line, draft))
    failed = {e.line for e in errors}
    good = [r for r in good if r.line not in failed]
    images = {r.image.url: (r.line, r.image) for r in reversed(good) if r.image}
    first = {c: next((r.product[c] for r in rows if c in r.product), "") for c in _PRODUCT_COLUMNS}
    attributes = tuple(dict.fromkeys(a for r in good for a in r.attributes))
    header = ProductDraft(
        handle=rows[0].handle,
        title=first["title"],
        variants=(),
        description_html=first["description_html"],
        product_type=first["product_type"],
        tags=parse_tags(first["tags"]),
        brand=first["vendor"] or None,
        category_path=parse_category(first["category"]),
        attributes=attributes,
        status=first["status"].upper() or "ACTIVE",
    )
    image_list = sorted(images.values(), key=lambda li: li[0])
    product, more = _validated(header, variants, image_list, [r.line for r in good])
    return product, errors + more


def _row_options(
    cells: tuple[tuple[str, str], ...], names: list[str]
) -> tuple[tuple[tuple[str, str], ...], str | None]:
    options = []
    for k, (own_name, value) in enumerate(cells):
        if own_name and own_name != names[k]:
            return (), f'option{k + 1}_name "{own_name}" differs from the product\'s first row'
        name = names[k]
        if value and not name:
            return (), f'option{k + 1}_value "{value}" has no option{k + 1}_name'
        if name and not value:
            return (), f'missing option{k + 1}_value for "{name}"'
        if value:
            options.append((name, value))
    return tuple(options), None


def _validated(
    header: ProductDraft,
    variants: list[tuple[int, VariantDraft]],
    images: list[tuple[int, ImageDraft]],
    lines: list[int],
) -> tuple[ParsedProduct | None, list[RowError]]:
    """Apply the catalog's rules; a rule broken by one row drops that row, not the product."""
    errors: list[RowError] = []
    while True:
        draft = replace(
            header, variants=tuple(v for _, v in variants), images=tuple(i for _, i in images)
        )
        try:
            validate_draft(draft)
        except CatalogError as exc:
            line = _line_of(exc.field, variants, images)
            if line is None:  # a product-level rule: every row of the product is reported
                return None, errors + [RowError(n, exc.message) for n in lines]
            errors.append(RowError(line, exc.message))
            variants = [v for v in variants if v[0] != line]
            images = [i for i in images if i[0] != line]
            lines = [n for n in lines if n != line]
            continue
        return ParsedProduct(draft, tuple(lines)), errors


def _line_of(
    field_path: str | None,
    variants: list[tuple[int, VariantDraft]],
    images: list[tuple[int, ImageDraft]],
) -> int | None:
    for prefix, items in (("variants[", variants), ("images[", images)):
        if field_path and field_path.startswith(prefix):
            return items[int(field_path[len(prefix) : field_path.index("]")])][0]
    return None


def parse_csv(lines: Iterable[str], stats: ParseStats | None = None) -> Iterator[Parsed]:
    """Products and row errors from CSV text, streamed: rows of a product are adjacent."""
    stats = stats if stats is not None else ParseStats()
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("the file is empty: expected a CSV header row") from None
    columns = read_csv_header(header)
    handles: dict[str, int] = {}
    skus: dict[str, int] = {}
    group: list[CsvRow] = []
    end = reader.line_num
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            end = reader.line_num
            stats.rows += 1
            yield RowError(start, f"unreadable CSV: {exc}")
            continue
        end = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        stats.rows += 1
        row = parse_csv_row(columns, cells, start)
        if isinstance(row, RowError):
            yield row
            continue
        if group and row.handle != group[0].handle:
            yield from _finish_csv_group(group, handles)
            group = []
        if not group and row.handle in handles:
            yield RowError(
                start,
                f'handle "{row.handle}" was already used on line {handles[row.handle]}: '
                "a product's rows must be adjacent",
            )
            continue
        if row.sku and not row.error:
            if row.sku in skus:
                row = replace(
                    row, error=f'duplicate SKU "{row.sku}" (first on line {skus[row.sku]})'
                )
            else:
                skus[row.sku] = start
        group.append(row)
    if group:
        yield from _finish_csv_group(group, handles)


def _finish_csv_group(group: list[CsvRow], handles: dict[str, int]) -> Iterator[Parsed]:
    handles[group[0].handle] = group[0].line
    product, errors = assemble_csv_product(group)
    yield from errors
    if product is not None:
        yield product
