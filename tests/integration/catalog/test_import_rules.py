"""The data rules of imports against the real Postgres: what a file leaves out stays as it
was, missing values are NULL, categories are found by (parent, slug) and names in any
script keep their own slug."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.domains import catalog
from app.domains.catalog.importer import import_file
from app.platform.db import Database
from tests.integration.catalog.test_import import load

pytestmark = pytest.mark.integration

FULL_CSV = (
    "handle,title,description_html,vendor,product_type,tags,category,option1_name,"
    "option1_value,sku,price,compare_at_price,weight_grams,image_url,image_alt,attributes\n"
    'tee,Tee,<p>Soft</p>,Bramble,Shirt,"summer, cotton",Apparel > Tops,Size,S,TEE-S,20.00,'
    "25.00,150,/static/tee.jpg,Front,Material=Cotton\n"
    "tee,,,,,,,,M,TEE-M,21.00,,160,/static/tee-2.jpg,Back,\n"
)


async def _rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    async with db.uow("catalog") as uow:
        return [tuple(r) for r in await uow.session.execute(sa.text(sql))]


async def test_a_csv_without_a_column_leaves_that_field_alone(
    clean_catalog: Database, tmp_path: Path
) -> None:
    db = clean_catalog
    full = tmp_path / "full.csv"
    full.write_text(FULL_CSV)
    assert (await import_file(db, full)).created == 1
    before = await load(db, "tee")

    # only handle,title,sku,price: a new title and prices, nothing else may change
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("handle,title,sku,price\ntee,Better Tee,TEE-S,22.00\ntee,,TEE-M,23.00\n")
    report = await import_file(db, narrow)
    assert (report.created, report.updated, report.errors) == (0, 1, [])

    after = await load(db, "tee")
    p = after.product
    assert p.title == "Better Tee"
    assert (p.vendor, p.product_type, p.description_html) == ("Bramble", "Shirt", "<p>Soft</p>")
    assert p.tags == ("summer", "cotton")
    assert p.brand_id == before.product.brand_id is not None
    assert after.category == ["Apparel", "Tops"]
    assert (
        after.images
        == before.images
        == [
            ("/static/tee.jpg", "Front"),
            ("/static/tee-2.jpg", "Back"),
        ]
    )
    assert after.attributes == before.attributes
    assert ("Material", "Cotton") in after.attributes
    assert after.variants == [
        ("TEE-S", Decimal("22.00"), Decimal("25.00"), (("Size", "S"),), 150),
        ("TEE-M", Decimal("23.00"), None, (("Size", "M"),), 160),
    ]


async def test_an_empty_cell_in_a_present_column_clears_the_field(
    clean_catalog: Database, tmp_path: Path
) -> None:
    db = clean_catalog
    full = tmp_path / "full.csv"
    full.write_text(FULL_CSV)
    await import_file(db, full)

    cleared = tmp_path / "cleared.csv"
    cleared.write_text(
        "handle,title,vendor,product_type,tags,category,description_html,image_url,sku,price\n"
        "tee,Tee,,,,,,,TEE-S,20.00\n"
    )
    report = await import_file(db, cleared)
    assert (report.updated, report.errors) == (1, [])
    after = await load(db, "tee")
    p = after.product
    assert (p.vendor, p.product_type, p.description_html, p.brand_id) == (None, None, None, None)
    assert (p.tags, after.category, after.images) == ((), [], [])
    # stored as NULL, never as ""
    assert await _rows(
        db,
        "SELECT vendor IS NULL, product_type IS NULL, description_html IS NULL "
        "FROM catalog.products",
    ) == [(True, True, True)]
    # TEE-M was not listed: the listed variants are the product's variants
    assert after.skus == ["TEE-S"]


async def test_jsonl_absent_keys_stay_and_null_clears(
    clean_catalog: Database, tmp_path: Path
) -> None:
    db = clean_catalog
    full = tmp_path / "full.jsonl"
    full.write_text(
        '{"handle": "pad", "title": "Pad", "vendor": "Trailcraft", "product_type": "Mat", '
        '"tags": ["camp"], "category": ["Outdoor", "Sleep"], "description_html": "<p>Warm</p>", '
        '"images": [{"url": "/static/pad.jpg", "alt": "Pad"}], '
        '"attributes": {"Season": ["Winter"]}, "variants": [{"sku": "PAD-1", "price": "80.00", '
        '"compare_at_price": "95.00", "weight_grams": 500, "options": {"Size": "L"}}]}\n'
    )
    await import_file(db, full)
    partial = tmp_path / "partial.jsonl"
    partial.write_text(
        '{"handle": "pad", "title": "Pad II", "vendor": null, "tags": [], '
        '"variants": [{"sku": "PAD-1", "price": "79.00", "compare_at_price": null}]}\n'
    )
    report = await import_file(db, partial)
    assert (report.updated, report.errors) == (1, [])
    after = await load(db, "pad")
    p = after.product
    assert (p.title, p.vendor, p.tags) == ("Pad II", None, ())
    assert (p.product_type, p.description_html) == ("Mat", "<p>Warm</p>")
    assert after.category == ["Outdoor", "Sleep"]
    assert after.images == [("/static/pad.jpg", "Pad")]
    assert ("Season", "Winter") in after.attributes
    assert after.variants == [("PAD-1", Decimal("79.00"), None, (("Size", "L"),), 500)]


async def test_writes_and_the_seed_store_null_for_missing_values(clean_catalog: Database) -> None:
    db = clean_catalog
    async with db.uow("catalog") as uow:
        await catalog.upsert_product(
            uow,
            catalog.ProductDraft(
                handle="plain",
                title="Plain",
                description_html="  ",
                product_type="",
                brand="",
                variants=(catalog.VariantDraft(sku="PL-1", price=Decimal("1.00")),),
                images=(catalog.ImageDraft("/static/plain.jpg", ""),),
            ),
        )
        await uow.commit()
    assert await _rows(
        db,
        "SELECT description_html, product_type, vendor, "
        "(SELECT alt FROM catalog.images) FROM catalog.products",
    ) == [(None, None, None, None)]
    await catalog.seed_demo(db, 30)
    assert await _rows(
        db,
        "SELECT count(*) FROM catalog.products WHERE vendor = '' OR product_type = '' "
        "OR description_html = ''",
    ) == [(0,)]


async def test_categories_are_found_by_parent_and_slug(clean_catalog: Database) -> None:
    db = clean_catalog
    async with db.uow("catalog") as uow:
        knives_flat = await catalog.ensure_category_path(uow, ["Home", "Kitchen Knives"])
        knives_deep = await catalog.ensure_category_path(uow, ["Home", "Kitchen", "Knives"])
        again = await catalog.ensure_category_path(uow, ["Home", "Kitchen", "Knives"])
        await uow.commit()
    assert knives_flat != knives_deep
    assert again == knives_deep
    rows = await _rows(db, "SELECT title, handle, depth FROM catalog.categories ORDER BY id")
    assert rows == [
        ("Home", "home", 0),
        ("Kitchen Knives", "home-kitchen-knives", 1),
        ("Kitchen", "home-kitchen", 1),
        ("Knives", "home-kitchen-knives-2", 2),  # the handle stays unique for URLs
    ]


async def test_names_in_any_script_keep_their_own_slug(
    clean_catalog: Database, tmp_path: Path
) -> None:
    db = clean_catalog
    path = tmp_path / "scripts.csv"
    path.write_text(
        "handle,title,vendor,category,sku,price\n"
        "a,Α,Ελληνικά Είδη,Σπίτι > Κουζίνα,A-1,1.00\n"
        "b,Б,Русский Дом,Дом > Кухня,B-1,1.00\n"
        "c,C,東京商店,家 > 台所,C-1,1.00\n"
        "d,D,★★,☆ > ✦,D-1,1.00\n",
        encoding="utf-8",
    )
    report = await import_file(db, path)
    assert (report.created, report.errors) == (4, [])
    brands = dict(await _rows(db, "SELECT name, handle FROM catalog.brands"))
    assert {k: v for k, v in brands.items() if k != "★★"} == {
        "Ελληνικά Είδη": "ελληνικά-είδη",
        "Русский Дом": "русский-дом",
        "東京商店": "東京商店",
    }
    assert brands["★★"].startswith("x-") and len(set(brands.values())) == 4
    categories = await _rows(db, "SELECT handle FROM catalog.categories ORDER BY id")
    assert len({c for (c,) in categories}) == 8
    assert all(c for (c,) in categories)
    assert (await load(db, "c")).category == ["家", "台所"]


async def test_replacing_attributes_keeps_the_options_filterable(
    clean_catalog: Database, tmp_path: Path
) -> None:
    db = clean_catalog
    full = tmp_path / "full.csv"
    full.write_text(FULL_CSV)
    await import_file(db, full)
    attrs = tmp_path / "attrs.csv"
    attrs.write_text("handle,title,sku,price,attributes\ntee,Tee,TEE-S,20.00,Fit=Slim\n")
    report = await import_file(db, attrs)
    assert (report.updated, report.errors) == (1, [])
    after = await load(db, "tee")
    # Material=Cotton was replaced; the options of the variant kept (Size=S) still filter
    assert sorted(after.attributes) == [("Fit", "Slim"), ("Size", "S")]
    assert after.variants == [("TEE-S", Decimal("20.00"), Decimal("25.00"), (("Size", "S"),), 150)]


@pytest.mark.parametrize("partial", [False, True])
async def test_a_batch_costs_the_same_statements_for_10_or_100_products(
    clean_catalog: Database, tmp_path: Path, partial: bool
) -> None:
    """Writes stay set-based with the field-by-field rule: statements per batch do not grow
    with the number of products in it."""
    db = clean_catalog
    header = "handle,title,sku,price" if partial else FULL_CSV.splitlines()[0]

    def csv_of(n: int, tag: str) -> Path:
        rows = []
        for k in range(n):
            if partial:
                rows.append(f"{tag}-{k},T {k},{tag}-{k}-S,20.00")
            else:
                rows.append(
                    f"{tag}-{k},T {k},<p>x</p>,Brand {k % 2},Shirt,a,Apparel > Tops {k % 2},"
                    f"Size,S,{tag}-{k}-S,20.00,25.00,150,/static/{k}.jpg,Front,Material=Cotton"
                )
        path = tmp_path / f"{tag}.csv"
        path.write_text("\n".join([header, *rows]) + "\n")
        return path

    counts = []
    for n, tag in ((10, "small"), (100, "large")):
        path = csv_of(n, tag)
        await import_file(db, path, batch_size=100)  # categories and brands exist after this
        statements: list[str] = []
        stop = db.on_statement(statements.append)
        try:
            report = await import_file(db, path, batch_size=100)
        finally:
            stop()
        assert (report.updated, report.errors) == (n, [])
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 20, counts


@pytest.mark.parametrize("reverse", [False, True])
async def test_paging_by_vendor_reaches_products_without_one(
    clean_catalog: Database, reverse: bool
) -> None:
    """A missing vendor is NULL now; sorting by vendor must still page through every product
    (a NULL in a row comparison would drop them after the first page)."""
    from app.platform.pagination import PageRequest

    db = clean_catalog
    async with db.uow("catalog") as uow:
        await catalog.upsert_products(
            uow,
            [
                catalog.ProductDraft(
                    handle=f"p-{k}",
                    title=f"P {k}",
                    brand=None if k % 2 else f"Vendor {k % 3}",
                    variants=(catalog.VariantDraft(sku=f"P-{k}", price=Decimal("1.00")),),
                )
                for k in range(7)
            ],
        )
        await uow.commit()
    seen: list[str] = []
    after: tuple[object, ...] | None = None
    for _ in range(10):
        async with db.uow("catalog") as uow:
            q = catalog.product_query(
                catalog.ProductFilter(),
                PageRequest(limit=2, forward=True, after=after),
                catalog.ProductSortKey.VENDOR,
                reverse,
            )
            page = (await catalog.list_products_batch(uow, [q]))[q]
        seen += [p.handle for p in page.items]
        if not page.has_next_page:
            break
        after = page.keys[-1]
    assert sorted(seen) == [f"p-{k}" for k in range(7)]
    assert len(seen) == 7
