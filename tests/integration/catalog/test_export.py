"""Export → import into an empty store gives the same catalog, field by field."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from app.domains import catalog
from app.domains.catalog import ProductDraft, VariantDraft, export_file, stored_products
from app.domains.catalog.importer import ImportFileError, export_format, import_file
from app.platform.db import Database
from tests.fixtures.catalog_data import empty_catalog

pytestmark = pytest.mark.integration

SPECIAL = [
    ProductDraft(
        handle="bare",
        title="Bare Product",
        variants=(VariantDraft(sku=None, price=Decimal("5.00")),),
    ),
    ProductDraft(
        handle="no-skus",
        title="Kettle «Чайник»",
        description_html='<p>Line one,\nline "two"</p>',
        product_type="Kettle",
        tags=("kitchen", "gift idea"),
        brand="Кухня & Дом",
        category_path=("Дом", "Кухня", "Чайники"),
        variants=(
            VariantDraft(
                sku=None,
                price=Decimal("30.00"),
                options=(("Color", "Red"), ("Size", "1 L")),
                weight_grams=Decimal("226.796"),
            ),
            VariantDraft(
                sku=None,
                price=Decimal("32.50"),
                options=(("Color", "Blue"), ("Size", "1 L")),
                compare_at_price=Decimal("40.00"),
            ),
        ),
        images=(
            catalog.ImageDraft("https://img.example/k1.jpg", None),
            catalog.ImageDraft("https://img.example/k2.jpg", "Blue, side"),
            catalog.ImageDraft("https://img.example/k3.jpg", "Lid"),
        ),
        attributes=(("Material", "Steel"), ("Material", "Glass")),
        status="DRAFT",
    ),
    ProductDraft(
        handle="archived-thing",
        title="Archived Thing",
        brand="Acme",
        category_path=("Home", "Kitchen", "Knives"),
        variants=(VariantDraft(sku="ARCH-1", price=Decimal("0.00"), weight_grams=3),),
        status="ARCHIVED",
    ),
]


async def snapshot(db: Database) -> dict[str, ProductDraft]:
    return {d.handle: d async for batch in stored_products(db, batch_size=7) for d in batch}


def without_sizes(d: ProductDraft) -> ProductDraft:
    """CSV has no column for an image's pixel size (JSONL keeps it)."""
    return replace(d, images=tuple(replace(i, width=None, height=None) for i in d.images))


@pytest.mark.parametrize(
    ("name", "fmt"), [("catalog.csv", None), ("catalog.jsonl", None), ("shop.csv", "shopify")]
)
async def test_export_then_import_gives_the_same_catalog(
    clean_catalog: Database, tmp_path: Path, name: str, fmt: str | None
) -> None:
    db = clean_catalog
    await catalog.seed_demo(db, 40)
    async with db.uow("catalog") as uow:
        await catalog.upsert_products(uow, SPECIAL)
        await uow.commit()
    before = await snapshot(db)
    assert len(before) == 43

    path = tmp_path / name
    calls: list[tuple[int, int]] = []
    written = await export_file(
        db, path, fmt, batch_size=10, progress=lambda d, t: calls.append((d, t))
    )
    assert written == 43
    assert calls[0] == (10, 43) and calls[-1] == (43, 43)
    assert not list(tmp_path.glob(".*partial"))

    await empty_catalog(db)
    report = await import_file(db, path)
    assert (report.created, report.updated, report.errors) == (43, 0, [])
    after = await snapshot(db)

    assert sorted(after) == sorted(before)
    for handle, was in before.items():
        now = after[handle]
        if path.suffix == ".csv":
            was, now = without_sizes(was), without_sizes(now)
        if fmt == "shopify":  # Shopify's CSV has no attributes column: only the options return
            was = replace(was, attributes=())
        assert now == was, handle


async def test_export_refuses_unknown_formats(clean_catalog: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match=r"expected a \.csv or \.jsonl"):
        export_format(tmp_path / "x.xlsx")
    with pytest.raises(ImportFileError, match="shopify format is a CSV"):
        export_format(tmp_path / "x.jsonl", "shopify")
    assert export_format(tmp_path / "x.ndjson") == "jsonl"
