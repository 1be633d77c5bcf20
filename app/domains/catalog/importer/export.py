"""`export_file`: the whole catalog in the importer's own formats, streamed in batches.

Export then import into an empty store gives the same catalog: every product (whatever
its status) is written as a whole, missing values as empty cells or `null`. Shopify's
CSV has no column for attributes, so that format carries only the variants' options.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from app.domains.catalog import models as m
from app.domains.catalog.importer.fields import ImportFileError
from app.domains.catalog.service import ImageDraft, ProductDraft, VariantDraft
from app.platform.db import Database

_CONTEXT = "catalog"
FORMATS = ("csv", "jsonl", "shopify")
_NATIVE_HEADER = (
    "handle", "title", "description_html", "vendor", "product_type", "tags", "category",
    "status", "option1_name", "option1_value", "option2_name", "option2_value",
    "option3_name", "option3_value", "sku", "price", "compare_at_price", "weight_grams",
    "image_url", "image_alt", "attributes",
)  # fmt: skip
_SHOPIFY_HEADER = (
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags",
    "Published", "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value",
    "Option3 Name", "Option3 Value", "Variant SKU", "Variant Grams", "Variant Price",
    "Variant Compare At Price", "Image Src", "Image Position", "Image Alt Text", "Status",
)  # fmt: skip


def export_format(path: Path, requested: str | None = None) -> str:
    """The format to write `path` in: from `--format`, else from the file's extension."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson"):
        raise ImportFileError(f'cannot export to "{path.name}": expected a .csv or .jsonl file')
    if requested == "shopify":
        if suffix != ".csv":
            raise ImportFileError("the shopify format is a CSV: name the file *.csv")
        return "shopify"
    if requested not in (None, "csv", "jsonl") or (requested and f".{requested}" != suffix):
        raise ImportFileError(f"format {requested!r} does not match {path.name}")
    return "csv" if suffix == ".csv" else "jsonl"


async def export_file(
    db: Database,
    path: Path,
    fmt: str | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 200,
) -> int:
    """Write every product to `path`; returns how many. The file is complete or absent:
    it is written beside the target and moved into place at the end."""
    fmt = export_format(path, fmt)
    total = await _count(db)
    written = 0
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as fh:
            write = _writer(fmt, fh)
            async for batch in stored_products(db, batch_size):
                for draft in batch:
                    write(draft)
                written += len(batch)
                if progress is not None:
                    progress(written, max(total, written))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    if progress is not None:
        progress(written, written)
    return written


async def _count(db: Database) -> int:
    async with db.uow(_CONTEXT) as uow:
        count = await uow.session.execute(sa.select(sa.func.count()).select_from(m.products))
        return int(count.scalar_one())


async def stored_products(db: Database, batch_size: int = 200) -> AsyncIterator[list[ProductDraft]]:
    """Every product as a whole draft, in id order, `batch_size` at a time (five
    statements a batch): what an import of it would write."""
    p, v, i, a = m.products, m.variants, m.images, m.product_attributes
    async with db.uow(_CONTEXT) as uow:
        s = uow.session
        cats = {
            r.id: (r.title, r.parent_id)
            for r in await s.execute(
                sa.select(m.categories.c.id, m.categories.c.title, m.categories.c.parent_id)
            )
        }
    last = 0
    while True:
        async with db.uow(_CONTEXT) as uow:
            s = uow.session
            products = list(
                await s.execute(
                    sa.select(p).where(p.c.id > last).order_by(p.c.id).limit(batch_size)
                )
            )
            if not products:
                return
            ids = [r.id for r in products]
            variants = defaultdict(list)
            for r in await s.execute(
                sa.select(v).where(v.c.product_id.in_(ids)).order_by(v.c.position, v.c.id)
            ):
                variants[r.product_id].append(r)
            images = defaultdict(list)
            for r in await s.execute(
                sa.select(i).where(i.c.product_id.in_(ids)).order_by(i.c.position, i.c.id)
            ):
                images[r.product_id].append(r)
            attributes = defaultdict(list)
            for r in await s.execute(
                sa.select(a).where(a.c.product_id.in_(ids)).order_by(a.c.name, a.c.value)
            ):
                attributes[r.product_id].append((r.name, r.value))
        yield [
            _draft(r, variants[r.id], images[r.id], attributes[r.id], _path(cats, r.category_id))
            for r in products
        ]
        last = ids[-1]


def _path(cats: dict[int, tuple[str, int | None]], category_id: int | None) -> tuple[str, ...]:
    titles: list[str] = []
    while category_id is not None and category_id in cats and len(titles) < 64:
        title, category_id = cats[category_id]
        titles.insert(0, title)
    return tuple(titles)


def _draft(
    p: Any,
    variants: list[Any],
    images: list[Any],
    attrs: list[tuple[str, str]],
    path: tuple[str, ...],
) -> ProductDraft:
    drafts = tuple(
        VariantDraft(
            sku=v.sku,
            price=v.price,
            options=tuple((o["name"], o["value"]) for o in v.options),
            compare_at_price=v.compare_at_price,
            weight_grams=v.weight_grams,
            title=v.title,
        )
        for v in variants
    )
    options = {o for x in drafts for o in x.options}
    return ProductDraft(
        handle=p.handle,
        title=p.title,
        variants=drafts,
        description_html=p.description_html,
        product_type=p.product_type,
        tags=tuple(p.tags),
        brand=p.vendor,
        category_path=path,
        images=tuple(ImageDraft(i.url, i.alt, i.width, i.height) for i in images),
        # the options are written with the variants; an import adds them back
        attributes=tuple(x for x in attrs if x not in options),
        status=p.status,
    )


def _writer(fmt: str, fh: IO[str]) -> Callable[[ProductDraft], None]:
    if fmt == "jsonl":

        def write_line(d: ProductDraft) -> None:
            fh.write(json.dumps(_json(d), ensure_ascii=False) + "\n")

        return write_line
    out = csv.writer(fh, lineterminator="\n")
    shopify = fmt == "shopify"
    out.writerow(_SHOPIFY_HEADER if shopify else _NATIVE_HEADER)
    rows = _shopify_rows if shopify else _native_rows

    def write_rows(d: ProductDraft) -> None:
        out.writerows(rows(d))

    return write_rows


def _grams(w: Decimal | int) -> str:
    return format(Decimal(w).normalize(), "f")


def _json(d: ProductDraft) -> dict[str, Any]:
    attributes: dict[str, list[str]] = defaultdict(list)
    for name, value in d.attributes:
        attributes[name].append(value)
    return {
        "handle": d.handle,
        "title": d.title,
        "status": d.status,
        "description_html": d.description_html,
        "vendor": d.brand,
        "product_type": d.product_type,
        "tags": list(d.tags),
        "category": list(d.category_path),
        "variants": [
            {
                "sku": v.sku,
                "title": v.title,
                "price": str(v.price),
                "compare_at_price": None if v.compare_at_price is None else str(v.compare_at_price),
                "weight_grams": json.loads(_grams(v.weight_grams)),
                "options": dict(v.options),
            }
            for v in d.variants
        ],
        "images": [
            {"url": i.url, "alt": i.alt, "width": i.width, "height": i.height} for i in d.images
        ],
        "attributes": dict(attributes),
    }


def _option_cells(d: ProductDraft, k: int, first: bool) -> list[str]:
    cells = []
    for n in range(3):
        name, value = d.variants[k].options[n] if n < len(d.variants[k].options) else ("", "")
        cells += [name if first else "", value]
    return cells


def _native_rows(d: ProductDraft) -> Iterator[list[str]]:
    for k in range(max(len(d.variants), len(d.images))):
        first = k == 0
        head = [
            d.handle,
            d.title if first else "",
            (d.description_html or "") if first else "",
            (d.brand or "") if first else "",
            (d.product_type or "") if first else "",
            ", ".join(d.tags) if first else "",
            " > ".join(d.category_path) if first else "",
            d.status if first else "",
        ]
        if k < len(d.variants):
            v = d.variants[k]
            variant = [
                *_option_cells(d, k, first),
                v.sku or "",
                str(v.price),
                "" if v.compare_at_price is None else str(v.compare_at_price),
                _grams(v.weight_grams),
            ]
        else:  # an image-only row: no SKU, no price
            variant = [""] * 10
        image = d.images[k] if k < len(d.images) else None
        yield [
            *head,
            *variant,
            image.url if image else "",
            (image.alt or "") if image else "",
            ";".join(f"{n}={val}" for n, val in d.attributes) if first else "",
        ]


def _shopify_rows(d: ProductDraft) -> Iterator[list[str]]:
    for k in range(max(len(d.variants), len(d.images))):
        first = k == 0
        head = [
            d.handle,
            d.title if first else "",
            (d.description_html or "") if first else "",
            (d.brand or "") if first else "",
            " > ".join(d.category_path) if first else "",
            (d.product_type or "") if first else "",
            ", ".join(d.tags) if first else "",
            ("TRUE" if d.status == "ACTIVE" else "FALSE") if first else "",
        ]
        if k < len(d.variants):
            v = d.variants[k]
            options = _option_cells(d, k, first)
            if not d.variants[k].options:  # Shopify's way of saying "no options"
                options[:2] = ["Title" if first else "", "Default Title"]
            variant = [
                *options,
                v.sku or "",
                _grams(v.weight_grams),
                str(v.price),
                "" if v.compare_at_price is None else str(v.compare_at_price),
            ]
        else:
            variant = [""] * 10
        image = d.images[k] if k < len(d.images) else None
        yield [
            *head,
            *variant,
            image.url if image else "",
            str(k + 1) if image else "",
            (image.alt or "") if image else "",
            d.status.lower() if first else "",
        ]
