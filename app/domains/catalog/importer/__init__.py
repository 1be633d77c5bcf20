"""Bulk product import from a Shopify-style CSV (one row per variant) or JSON Lines.

Parsing is pure and streaming (a product is held in memory only until its rows end);
writing goes through `upsert_products`, `batch_size` products per transaction. A bad
row is reported with its line number and skipped; it never stops the good ones.

`fields` holds the shared types and value parsers, `csv_rows` and `jsonl_rows` the two
formats (the CSV parser also reads Shopify's product CSV), `writer` the import itself and
`export` the way back out, in the same formats.
"""

from app.domains.catalog.importer.csv_rows import (
    assemble_csv_product,
    parse_csv,
    parse_csv_row,
    read_csv_header,
)
from app.domains.catalog.importer.export import (
    FORMATS,
    export_file,
    export_format,
    stored_products,
)
from app.domains.catalog.importer.fields import (
    ImportFileError,
    ImportReport,
    ParsedProduct,
    ParseStats,
    RowError,
    parse_attributes,
    parse_category,
    parse_grams,
    parse_money,
    parse_tags,
)
from app.domains.catalog.importer.jsonl_rows import parse_jsonl, parse_jsonl_product
from app.domains.catalog.importer.writer import import_file

__all__ = [
    "FORMATS",
    "ImportFileError",
    "ImportReport",
    "ParseStats",
    "ParsedProduct",
    "RowError",
    "assemble_csv_product",
    "export_file",
    "export_format",
    "import_file",
    "parse_attributes",
    "parse_category",
    "parse_csv",
    "parse_csv_row",
    "parse_grams",
    "parse_jsonl",
    "parse_jsonl_product",
    "parse_money",
    "parse_tags",
    "read_csv_header",
    "stored_products",
]
