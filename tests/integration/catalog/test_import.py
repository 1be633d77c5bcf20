"""Importing files and seeding the demo catalog against the real Postgres."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.domains import catalog
from app.domains.catalog.importer import ImportFileError, RowError, import_file
from app.domains.catalog.seed import demo_drafts, seed_demo
from app.platform.db import Database

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[2] / "fixtures" / "data"
CSV = DATA / "products_import.csv"
JSONL = DATA / "products_import.jsonl"

CSV_ERRORS = [
    RowError(5, 'bad price "abc"'),
    RowError(8, 'negative price "-5.00"'),
    RowError(11, "missing price"),
    RowError(12, 'price "12.345" has more than two decimals'),
    RowError(13, 'duplicate SKU "LS-SAND-M" (first on line 2)'),
    RowError(15, "compareAtPrice must not be below price"),
    RowError(17, "handle 'Bad Handle' must be lowercase letters, digits and single dashes"),
    RowError(18, "missing handle"),
    RowError(19, "SKU 'EXISTING-1' belongs to another product"),
    RowError(20, "missing column(s) sku, price"),
]
CSV_HANDLES = {"linen-shirt", "cast-iron-skillet", "ceramic-mug", "wool-socks", "travel-mug"}

JSONL_ERRORS = [
    RowError(3, "bad JSON: Expecting property name enclosed in double quotes (column 19)"),
    RowError(5, "expected a JSON object"),
    RowError(6, 'variants[0]: bad price "abc"'),
    RowError(7, 'handle "trail-tent" was already used on line 1'),
    RowError(8, 'duplicate SKU "TENT-2P" (first on line 1)'),
    RowError(9, 'missing "title"'),
    RowError(10, "variants[0].compareAtPrice: compareAtPrice must not be below price"),
]


async def scalar(db: Database, sql: str, **params: object) -> int:
    async with db.uow("catalog") as uow:
        return int((await uow.session.execute(sa.text(sql), params)).scalar_one())


async def outbox_handles(db: Database) -> list[str]:
    async with db.uow("catalog") as uow:
        rows = await uow.session.execute(
            sa.text(
                "SELECT payload->>'handle' FROM catalog.outbox "
                "WHERE type = 'catalog.ProductChanged.v1' ORDER BY id"
            )
        )
        return [r[0] for r in rows]


@dataclass
class Stored:
    product: catalog.Product
    variants: list[tuple[str, Decimal, Decimal | None, tuple[tuple[str, str], ...], int]]
    images: list[tuple[str, str]]
    attributes: list[tuple[str, str]]
    category: list[str]

    @property
    def skus(self) -> list[str]:
        return [v[0] for v in self.variants]


async def load(db: Database, handle: str) -> Stored:
    """A product as the catalog's public reads return it."""
    async with db.uow("catalog") as uow:
        product = (await catalog.products_by_handles(uow, [handle]))[handle]
        variants = (await catalog.variants_by_product_ids(uow, [product.id]))[product.id]
        images = (await catalog.images_by_product_ids(uow, [product.id])).get(product.id, [])
        attrs = (await catalog.attributes_by_product_ids(uow, [product.id])).get(product.id, [])
        path: list[str] = []
        category_id = product.category_id
        while category_id is not None:
            cat = (await catalog.categories_by_ids(uow, [category_id]))[category_id]
            path.insert(0, cat.title)
            category_id = cat.parent_id
    return Stored(
        product=product,
        variants=[
            (
                v.sku,
                v.price,
                v.compare_at_price,
                tuple((o.name, o.value) for o in v.options),
                v.weight_grams,
            )
            for v in variants
        ],
        images=[(i.url, i.alt) for i in images],
        attributes=attrs,
        category=path,
    )


async def add_existing_product(db: Database) -> None:
    async with db.uow("catalog") as uow:
        await catalog.upsert_product(
            uow,
            catalog.ProductDraft(
                handle="existing-product",
                title="Existing",
                variants=(catalog.VariantDraft(sku="EXISTING-1", price=Decimal("1.00")),),
            ),
        )
        await uow.commit()


@pytest.mark.parametrize("batch_size", [100, 2, 1])
async def test_csv_import_lands_good_rows_and_reports_bad_ones(
    clean_catalog: Database, batch_size: int
) -> None:
    db = clean_catalog
    await add_existing_product(db)
    calls: list[tuple[int, int]] = []

    report = await import_file(
        db, CSV, batch_size=batch_size, progress=lambda done, total: calls.append((done, total))
    )

    assert report.errors == CSV_ERRORS
    assert (report.created, report.updated, report.rows) == (5, 0, 18)
    assert await scalar(db, "SELECT count(*) FROM catalog.products") == 6
    assert calls[-1] == (18, 18)
    assert all(done <= 18 for done, _ in calls)

    shirt = await load(db, "linen-shirt")
    p = shirt.product
    assert (p.title, p.vendor, p.product_type) == ("Relaxed Linen Shirt", "Harbor & Pine", "Shirt")
    assert p.description_html == "<p>Breathable linen.</p>\n<p>Garment dyed.</p>"
    assert p.tags == ("summer", "linen")
    assert (p.min_price, p.max_price) == (Decimal("49.00"), Decimal("52.50"))
    assert shirt.variants == [
        ("LS-SAND-M", Decimal("49.00"), Decimal("65.00"), (("Color", "Sand"), ("Size", "M")), 220),
        ("LS-SAND-L", Decimal("49.00"), None, (("Color", "Sand"), ("Size", "L")), 230),
        ("LS-OLIVE-L", Decimal("52.50"), None, (("Color", "Olive"), ("Size", "L")), 230),
    ]
    assert shirt.images == [
        ("/static/demo/linen-shirt-1.jpg", "Linen shirt in sand"),
        ("/static/demo/linen-shirt-2.jpg", "Linen shirt in olive"),
    ]
    assert shirt.category == ["Apparel", "Men", "Shirts"]
    assert ("Material", "Linen") in shirt.attributes
    assert ("Color", "Olive") in shirt.attributes

    skillet = await load(db, "cast-iron-skillet")
    assert skillet.skus == ["CIS-10", "CIS-14"]
    mug = await load(db, "ceramic-mug")
    assert mug.variants == [("MUG-1", Decimal("12.00"), None, (), 350)]
    assert mug.category == ["Home", "Kitchen"]
    socks = await load(db, "wool-socks")
    assert socks.product.title == "Merino Wool Socks"
    assert socks.skus == ["SOCK-L"]

    # the product whose SKU another product owns left that product alone
    existing = await load(db, "existing-product")
    assert existing.skus == ["EXISTING-1"]
    assert (
        await scalar(
            db, "SELECT count(*) FROM catalog.products WHERE handle = :h", h="taken-sku-product"
        )
        == 0
    )
    # one event per product written, none for a product that was rolled back
    assert sorted(await outbox_handles(db)) == sorted([*CSV_HANDLES, "existing-product"])


async def test_reimport_updates_instead_of_duplicating(clean_catalog: Database) -> None:
    db = clean_catalog
    await add_existing_product(db)
    first = await import_file(db, CSV)
    second = await import_file(db, CSV)

    assert (first.created, first.updated) == (5, 0)
    assert (second.created, second.updated) == (0, 5)
    assert second.errors == CSV_ERRORS
    assert await scalar(db, "SELECT count(*) FROM catalog.products") == 6
    assert await scalar(db, "SELECT count(*) FROM catalog.variants") == 1 + 3 + 2 + 1 + 1 + 1
    handles = await outbox_handles(db)
    assert len(handles) == 1 + 5 + 5
    assert sorted(handles[1:]) == sorted([*CSV_HANDLES, *CSV_HANDLES])


async def test_jsonl_import(clean_catalog: Database, tmp_path: Path) -> None:
    db = clean_catalog
    report = await import_file(db, JSONL)

    assert report.errors == JSONL_ERRORS
    assert (report.created, report.updated, report.rows) == (3, 0, 10)
    assert await scalar(db, "SELECT count(*) FROM catalog.products") == 3
    assert sorted(await outbox_handles(db)) == ["camp-stove", "sleeping-pad", "trail-tent"]

    tent = await load(db, "trail-tent")
    assert tent.variants == [
        ("TENT-2P", Decimal("249.00"), Decimal("299.00"), (("Capacity", "2-Person"),), 1200),
        ("TENT-3P", Decimal("299.00"), None, (("Capacity", "3-Person"),), 1550),
    ]
    assert tent.category == ["Outdoor", "Camping", "Tents"]
    assert tent.images == [("/static/demo/trail-tent-1.jpg", "Tent pitched")]
    assert set(tent.attributes) >= {
        ("Material", "Ripstop Nylon"),
        ("Material", "Dyneema"),
        ("Season", "3-Season"),
    }
    stove = await load(db, "camp-stove")
    assert stove.variants == [("STOVE-1", Decimal("49.50"), None, (), 0)]
    assert stove.category == ["Outdoor", "Camping"]

    # a changed file updates in place: new price, a variant gone, nothing duplicated; the
    # keys it leaves out (compare_at_price, weight_grams, images, …) keep their values
    changed = tmp_path / "changed.jsonl"
    changed.write_text(
        '{"handle": "trail-tent", "title": "Ultralight Trail Tent", "variants": '
        '[{"sku": "TENT-2P", "price": "229.00", "options": {"Capacity": "2-Person"}}]}\n'
    )
    again = await import_file(db, changed)
    assert (again.created, again.updated, again.errors) == (0, 1, [])
    tent = await load(db, "trail-tent")
    assert tent.variants == [
        ("TENT-2P", Decimal("229.00"), Decimal("299.00"), (("Capacity", "2-Person"),), 1200)
    ]
    assert tent.images == [("/static/demo/trail-tent-1.jpg", "Tent pitched")]
    assert tent.category == ["Outdoor", "Camping", "Tents"]
    assert await scalar(db, "SELECT count(*) FROM catalog.products") == 3
    assert (await outbox_handles(db))[-1] == "trail-tent"


async def test_file_level_errors_import_nothing(clean_catalog: Database, tmp_path: Path) -> None:
    db = clean_catalog
    wrong_columns = tmp_path / "products.csv"
    wrong_columns.write_text("handle,name,cost\ntee,Tee,10.00\n")
    with pytest.raises(ImportFileError, match="lacks required column"):
        await import_file(db, wrong_columns)
    other = tmp_path / "products.xlsx"
    other.write_bytes(b"PK")
    with pytest.raises(ImportFileError, match=r'cannot import "products.xlsx"'):
        await import_file(db, other)
    assert await scalar(db, "SELECT count(*) FROM catalog.products") == 0


async def test_bad_bytes_fail_only_their_row(clean_catalog: Database, tmp_path: Path) -> None:
    db = clean_catalog
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        b"\xef\xbb\xbfhandle,title,sku,price\n"  # a BOM, as spreadsheet exports write it
        b"cafe,Caf\xe9 Mug,CM-1,9.00\n"  # latin-1, not UTF-8
        b"tea,Tea Mug,TM-1,8.00\n"
    )
    report = await import_file(db, path)
    assert report.errors == [RowError(2, "not valid UTF-8 text")]
    assert report.created == 1
    assert (await load(db, "tea")).variants == [("TM-1", Decimal("8.00"), None, (), 0)]


async def test_seed_demo_writes_the_demo_catalog(clean_catalog: Database) -> None:
    db = clean_catalog
    calls: list[tuple[int, int]] = []
    written = await seed_demo(db, 60, progress=lambda done, total: calls.append((done, total)))

    assert written == 60
    assert calls == [(50, 60), (60, 60)]
    drafts = list(demo_drafts(60))
    assert await scalar(db, "SELECT count(*) FROM catalog.products") == 60
    assert await scalar(db, "SELECT count(*) FROM catalog.variants") == sum(
        len(d.variants) for d in drafts
    )
    assert await scalar(db, "SELECT max(depth) FROM catalog.categories") >= 2
    assert len(await outbox_handles(db)) == 60

    # seeding again updates the same products
    assert await seed_demo(db, 60) == 60
    assert await scalar(db, "SELECT count(*) FROM catalog.products") == 60
    first = drafts[0]
    stored = await load(db, first.handle)
    assert stored.variants == [
        (v.sku, v.price, v.compare_at_price, v.options, v.weight_grams) for v in first.variants
    ]
    assert stored.category == list(first.category_path)
