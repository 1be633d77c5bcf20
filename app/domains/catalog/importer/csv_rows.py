"""CSV import, one row per variant: rows → products, row errors and notices.

Two dialects share one parser: Emporium's own columns (`handle,title,sku,price,…`) and
Shopify's product CSV as merchants export it (`Handle,Title,Body (HTML),…`), recognised by
its header and mapped onto the same columns. A product's rows are adjacent; it is held in
memory only until its rows end. A column absent from the file leaves that field of an
existing product as it is; an empty cell in a present column clears it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
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

REQUIRED_CSV_COLUMNS = ("handle", "title", "price")
_OPTION_COLUMNS = tuple(f"option{k}_{part}" for k in (1, 2, 3) for part in ("name", "value"))
# Emporium's own columns; `image_position` orders images (Shopify's "Image Position")
NATIVE_COLUMNS = (
    "handle", "title", "description_html", "vendor", "product_type", "tags", "category",
    "status", *_OPTION_COLUMNS, "sku", "price", "compare_at_price", "weight_grams",
    "image_url", "image_position", "image_alt", "attributes",
)  # fmt: skip
# Shopify's header, normalised (lowercase, spaces as "_") → the column it fills
SHOPIFY_COLUMNS = {
    "handle": "handle",
    "title": "title",
    "body_(html)": "description_html",
    "vendor": "vendor",
    "product_category": "category",
    "type": "product_type",
    "tags": "tags",
    "published": "published",
    "status": "status",
    **{c: c for c in _OPTION_COLUMNS},
    "variant_sku": "sku",
    "variant_grams": "weight_grams",
    "variant_price": "price",
    "variant_compare_at_price": "compare_at_price",
    "image_src": "image_url",
    "image_position": "image_position",
    "image_alt_text": "image_alt",
}
SHOPIFY_INVENTORY = "variant_inventory_qty"
# which draft field (ProductDraft.given / VariantDraft.given) a present column names
_PRODUCT_FIELD_OF = {
    "description_html": "description_html",
    "vendor": "brand",
    "product_type": "product_type",
    "tags": "tags",
    "category": "category",
    "status": "status",
    "published": "status",
    "image_url": "images",
    "attributes": "attributes",
}
_VARIANT_FIELD_OF = {
    **{c: "options" for c in _OPTION_COLUMNS},
    "compare_at_price": "compare_at_price",
    "weight_grams": "weight_grams",
}
# "Title: Default Title" is how Shopify exports spell "this product has no options"
_NO_OPTION = ("title", "default title")
_PRODUCT_COLUMNS = (
    "title",
    "description_html",
    "vendor",
    "product_type",
    "tags",
    "category",
    "status",
    "published",
)


@dataclass(frozen=True)
class CsvHeader:
    columns: dict[str, int]  # column name (Emporium's) → index
    shopify: bool = False
    ignored: tuple[str, ...] = ()  # header cells as written, for the report
    product_fields: frozenset[str] = frozenset()
    variant_fields: frozenset[str] = frozenset()
    inventory: int | None = None  # Shopify's "Variant Inventory Qty" column
    width: int = 0  # named columns in the header


@dataclass(frozen=True)
class CsvRow:
    """One CSV row after field checks; a row with `error` still lends its product fields."""

    line: int
    handle: str
    product: dict[str, str]
    sku: str | None = None
    price: Decimal | None = None  # None: an image-only row (no SKU, no price, an image)
    compare_at_price: Decimal | None = None
    weight_grams: Decimal = Decimal(0)
    options: tuple[tuple[str, str], ...] = ()  # (name, value) of option1..3, "" when blank
    image: ImageDraft | None = None
    image_position: int | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    error: str | None = None
    notes: tuple[str, ...] = field(default=())


def read_csv_header(cells: Sequence[str]) -> CsvHeader:
    """The header's columns, dialect and ignored columns; raises ImportFileError when a
    required column is missing."""
    names = [cell.strip().lower().replace(" ", "_") for cell in cells]
    shopify = "variant_price" in names
    known = SHOPIFY_COLUMNS if shopify else {c: c for c in NATIVE_COLUMNS}
    columns: dict[str, int] = {}
    ignored: list[str] = []
    inventory = None
    for i, name in enumerate(names):
        if not name:
            continue
        target = known.get(name)
        if target in columns or (shopify and name == SHOPIFY_INVENTORY and inventory is not None):
            raise ImportFileError(f'column "{cells[i].strip()}" appears twice in the header')
        if target is not None:
            columns[target] = i
        elif shopify and name == SHOPIFY_INVENTORY:
            inventory = i
        else:
            ignored.append(cells[i].strip())
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in columns]
    if missing:
        shown = [next(k for k, v in known.items() if v == c) for c in missing]
        raise ImportFileError(
            f"the CSV header lacks required column(s) {', '.join(shown)}: nothing was imported"
        )
    return CsvHeader(
        columns,
        shopify,
        tuple(ignored),
        frozenset(_PRODUCT_FIELD_OF[c] for c in columns if c in _PRODUCT_FIELD_OF),
        frozenset(_VARIANT_FIELD_OF[c] for c in columns if c in _VARIANT_FIELD_OF),
        inventory,
        sum(1 for n in names if n),
    )


def parse_csv_row(header: CsvHeader, cells: Sequence[str], line: int) -> CsvRow | RowError:
    bad = unreadable("".join(cells))
    if bad:
        return RowError(line, bad)
    columns = header.columns
    width = header.width
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        return RowError(line, f"row has {len(cells)} fields but the header has {width}")
    absent = [
        c for c in ("handle", "title", "sku", "price") if c in columns and columns[c] >= len(cells)
    ]
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
    image = ImageDraft(image_url, get("image_alt") or None) if image_url else None
    sku, price = get("sku"), get("price")
    try:
        position = get("image_position")
        row = replace(row, image=image, image_position=int(position) if position else None)
    except ValueError:
        return RowError(line, f'bad image_position "{get("image_position")}"')
    if not sku and not price and image:
        return row
    options = tuple(
        ("", "") if (n.lower(), v.lower()) == _NO_OPTION else (n, v)
        for n, v in ((get(f"option{k}_name"), get(f"option{k}_value")) for k in (1, 2, 3))
    )
    row = replace(row, options=options)  # a bad first row still names the options
    try:
        if not price:
            raise ValueError("missing price")
        amount = parse_money(price)
        compare = get("compare_at_price")
        compare_at = parse_money(compare, "compare_at_price") if compare else None
        notes: tuple[str, ...] = ()
        if header.shopify and compare_at is not None and compare_at <= amount:
            # Shopify keeps a compare-at price at or below the price and shows no sale;
            # Emporium's rule is that a compare-at price is above the price
            notes = (
                f"line {line}: Variant Compare At Price {compare} is not above the price "
                f"{price}, so the variant is stored without one (not on sale)",
            )
            compare_at = None
        return replace(
            row,
            sku=sku or None,
            price=amount,
            compare_at_price=compare_at,
            weight_grams=parse_grams(get("weight_grams")),
            attributes=parse_attributes(get("attributes")),
            notes=notes,
        )
    except ValueError as exc:
        return replace(row, error=str(exc))


def assemble_csv_product(
    rows: Sequence[CsvRow], header: CsvHeader | None = None
) -> tuple[ParsedProduct | None, list[RowError]]:
    """One product from its adjacent rows: product fields from its first rows, a variant
    per good row. Bad rows are reported and left out; no good variant, no product."""
    errors = [RowError(r.line, r.error) for r in rows if r.error]
    good = [r for r in rows if not r.error]
    # options are named on the product's first variant row (Shopify leaves them blank after)
    first_variant = next((r for r in rows if r.price is not None or r.error), rows[0])
    names = [name for name, _ in first_variant.options] or ["", "", ""]
    variant_given = header.variant_fields if header is not None else None
    seen: dict[tuple[tuple[str, str], ...], int] = {}
    variants: list[tuple[int, VariantDraft]] = []
    for r in good:
        if r.price is None:
            continue
        options, error = _row_options(r.options, names)
        # without option columns (or a SKU) nothing tells two variants apart but the SKU
        keyed = variant_given is None or "options" in variant_given or r.sku is None
        if error is None and keyed and options in seen:
            shown = ", ".join(f"{n}={v}" for n, v in options) or "no options"
            error = f"same options as line {seen[options]} ({shown})"
        if error is not None:
            errors.append(RowError(r.line, error))
            continue
        seen[options] = r.line
        draft = VariantDraft(
            r.sku, r.price, options, r.compare_at_price, r.weight_grams, given=variant_given
        )
        variants.append((r.line, draft))
    failed = {e.line for e in errors}
    good = [r for r in good if r.line not in failed]
    images: dict[str, tuple[int, int | None, ImageDraft]] = {}
    for r in good:
        if r.image and r.image.url not in images:
            images[r.image.url] = (r.line, r.image_position, r.image)
    first = {c: next((r.product[c] for r in rows if c in r.product), "") for c in _PRODUCT_COLUMNS}
    attributes = tuple(dict.fromkeys(a for r in good for a in r.attributes))
    status = first["status"].upper()
    if not status and first["published"]:
        status = "ACTIVE" if first["published"].lower() == "true" else "DRAFT"
    head = ProductDraft(
        handle=rows[0].handle,
        title=first["title"],
        variants=(),
        description_html=first["description_html"] or None,
        product_type=first["product_type"] or None,
        tags=parse_tags(first["tags"]),
        brand=first["vendor"] or None,
        category_path=parse_category(first["category"]),
        attributes=attributes,
        status=status or "ACTIVE",
        given=header.product_fields if header is not None else None,
    )
    # Image Position orders the images; without one, the order of the rows
    image_list = [
        (line, img)
        for line, _, img in sorted(
            images.values(), key=lambda i: (i[1] if i[1] is not None else 1 << 30, i[0])
        )
    ]
    product, more = _validated(head, variants, image_list, [r.line for r in good])
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
    head: ProductDraft,
    variants: list[tuple[int, VariantDraft]],
    images: list[tuple[int, ImageDraft]],
    lines: list[int],
) -> tuple[ParsedProduct | None, list[RowError]]:
    """Apply the catalog's rules; a rule broken by one row drops that row, not the product."""
    errors: list[RowError] = []
    while True:
        draft = replace(
            head, variants=tuple(v for _, v in variants), images=tuple(i for _, i in images)
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
    """Products and row errors from CSV text, streamed: rows of a product are adjacent.
    What the file holds that Emporium does not use goes to `stats.notices`, once each."""
    stats = stats if stats is not None else ParseStats()
    reader = csv.reader(lines)
    try:
        first_row = next(reader)
    except StopIteration:
        raise ImportFileError("the file is empty: expected a CSV header row") from None
    header = read_csv_header(first_row)
    if header.ignored:
        shown = ", ".join(f'"{c}"' for c in header.ignored)
        stats.notices.append(f"ignored column(s), not used by Emporium: {shown}")
    stock_rows = 0
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
        inv = header.inventory
        qty = cells[inv].strip() if inv is not None and inv < len(cells) else ""
        row = parse_csv_row(header, cells, start)
        if isinstance(row, RowError):
            yield row
            continue
        stats.notices.extend(row.notes)
        if group and row.handle != group[0].handle:
            yield from _finish_csv_group(group, handles, header)
            group = []
        if not group and row.handle in handles:
            yield RowError(
                start,
                f'handle "{row.handle}" was already used on line {handles[row.handle]}: '
                "a product's rows must be adjacent",
            )
            continue
        sku = row.sku
        if sku and not row.error:
            if sku in skus:
                row = replace(row, error=f'duplicate SKU "{sku}" (first on line {skus[sku]})')
            else:
                skus[sku] = start
        if qty:
            if sku and qty.isdigit() and not row.error:
                stats.stock[sku] = int(qty)
            else:  # no SKU to hand it over by, not a count, or a row not imported
                stock_rows += 1
        group.append(row)
    if group:
        yield from _finish_csv_group(group, handles, header)
    if stock_rows:
        stats.notices.append(
            f'"Variant Inventory Qty" ignored on {stock_rows} row(s): stock is taken from rows '
            "with a Variant SKU and a whole, non-negative quantity"
        )


def _finish_csv_group(
    group: list[CsvRow], handles: dict[str, int], header: CsvHeader
) -> Iterator[Parsed]:
    handles[group[0].handle] = group[0].line
    product, errors = assemble_csv_product(group, header)
    yield from errors
    if product is not None:
        yield product
