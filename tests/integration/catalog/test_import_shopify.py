"""Shopify's own published product CSVs import as is (see tests/fixtures/data/README.md)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.domains.catalog import ProductDraft, stored_products
from app.domains.catalog.importer import import_file
from app.platform.db import Database
from tests.integration.catalog.test_import import DATA, load, scalar

pytestmark = pytest.mark.integration

TEMPLATE = DATA / "shopify_product_template.csv"
APPAREL = DATA / "shopify_apparel.csv"
CDN = "https://burst.shopifycdn.com/photos/"


async def stored(db: Database) -> dict[str, ProductDraft]:
    """Every product, whatever its status (the public reads show only active ones)."""
    return {d.handle: d async for batch in stored_products(db) for d in batch}


async def test_shopifys_product_template_imports_as_is(clean_catalog: Database) -> None:
    db = clean_catalog
    report = await import_file(db, TEMPLATE)

    assert report.errors == []
    assert (report.created, report.updated, report.rows) == (3, 0, 17)
    ignored = next(n for n in report.notices if n.startswith("ignored column(s)"))
    for column in ("Variant Barcode", "SEO Title", "Cost per item", "Variant Weight Unit"):
        assert f'"{column}"' in ignored
    for used in ("Handle", "Body (HTML)", "Product Category", "Variant Grams", "Image Src"):
        assert f'"{used}"' not in ignored
    # every quantity has its SKU: handed over as initial stock (the CLI gives it to the
    # inventory), so nothing about it is a notice
    assert [n for n in report.notices if "Inventory Qty" in n] == []
    assert len(report.stock) == 16
    assert report.stock["PNT_DEN_285"] == 20 and report.stock["SRT_COT_111"] == 0
    assert sum("Compare At Price 64.95 is not above the price 95" in n for n in report.notices) == 3
    assert len(report.notices) == len(set(report.notices))  # each said once

    shirt = await load(db, "example-shirt")
    p = shirt.product
    assert (p.title, p.vendor, p.product_type, p.status) == (
        "Example T-Shirt",
        "Acme",
        "Shirts",
        "ACTIVE",
    )
    assert p.tags == ("Made to Order", "Shirt Tag")
    assert p.description_html is not None and p.description_html.startswith("<p>This t-shirt")
    assert shirt.category == ["Apparel & Accessories", "Clothing", "Clothing Tops", "T-Shirts"]
    assert len(shirt.variants) == 12
    assert shirt.variants[0] == (
        "SRT_COT_111",
        Decimal("25.00"),
        None,
        (("Color", "Green"), ("Size", "S")),
        145,
    )
    assert [url.removeprefix(CDN) for url, _ in shirt.images] == [
        "tshirts.jpg?width=1500",
        "blank-colored-t-shirts.jpg?width=1500",
        "green-t-shirt.jpg?width=1500",
        "cobalt-blue-t-shirt.jpg?width=1500",
        "grey-t-shirt.jpg?width=1500",
        "purple-t-shirt.jpg?width=1500",
    ]

    drafts = await stored(db)
    jeans = drafts["example-pants"]
    assert jeans.status == "DRAFT"
    # fractional grams (ounces converted by Shopify) are kept to the milligram
    assert [v.weight_grams for v in jeans.variants] == [
        Decimal("226.796"),
        Decimal("283.495"),
        Decimal("396.893"),
    ]
    assert [v.compare_at_price for v in jeans.variants] == [None, None, None]
    # the last row carries only an image: it belongs to the product above
    assert len(jeans.images) == 4
    assert (jeans.images[3].url, jeans.images[3].alt) == (
        f"{CDN}female-fashion-model-poses-in-city-street.jpg?width=1500",
        "Large tapered stone wash jeans",
    )

    hat = drafts["example-hat"]
    assert hat.status == "ARCHIVED"
    assert [
        (v.sku, v.price, v.compare_at_price, v.options, v.weight_grams) for v in hat.variants
    ] == [("HAT_GRY_275", Decimal("17.99"), Decimal("22.99"), (), 72)]


async def test_shopifys_apparel_sample_imports_without_skus(clean_catalog: Database) -> None:
    db = clean_catalog
    report = await import_file(db, APPAREL)

    assert report.errors == []
    assert (report.created, report.updated, report.rows) == (20, 0, 22)
    assert any('"Google Shopping / Custom Label 4"' in n for n in report.notices)
    # quantities without a SKU cannot be handed over: said once, nothing stocked
    assert any('"Variant Inventory Qty" ignored on 22 row(s)' in n for n in report.notices)
    assert report.stock == {}

    top = await load(db, "classic-varsity-top")
    assert top.variants == [
        (None, Decimal("60.00"), None, (("Size", "Small"),), 0),
        (None, Decimal("60.00"), None, (("Size", "Medium"),), 0),
        (None, Decimal("60.00"), None, (("Size", "Large"),), 0),
    ]
    p = top.product
    assert (p.vendor, p.product_type, p.tags, p.status) == (
        "partners-demo",
        None,
        ("women",),
        "ACTIVE",
    )
    shirt = await load(db, "ocean-blue-shirt")
    assert shirt.variants == [(None, Decimal("50.00"), None, (), 0)]
    assert shirt.images == [(f"{CDN}young-man-in-bright-fashion_925x.jpg", None)]

    # importing again finds each SKU-less variant by its product and options
    async with db.uow("catalog") as uow:
        ids_before = sorted(
            (await uow.session.execute(sa.text("SELECT id FROM catalog.variants"))).scalars()
        )
    again = await import_file(db, APPAREL)
    assert (again.created, again.updated, again.errors) == (0, 20, [])
    async with db.uow("catalog") as uow:
        ids_after = sorted(
            (await uow.session.execute(sa.text("SELECT id FROM catalog.variants"))).scalars()
        )
    assert ids_after == ids_before
    assert await scalar(db, "SELECT count(*) FROM catalog.variants") == 22


async def test_a_variant_without_sku_changes_in_place(
    clean_catalog: Database, tmp_path: Path
) -> None:
    db = clean_catalog
    first = tmp_path / "first.csv"
    first.write_text(
        "handle,title,option1_name,option1_value,sku,price\ncap,Cap,Size,S,,10.00\ncap,,,M,,11.00\n"
    )
    second = tmp_path / "second.csv"
    second.write_text(
        "handle,title,option1_name,option1_value,sku,price\n"
        "cap,Cap,Size,M,,12.00\ncap,,,L,CAP-L,13.00\n"
    )
    await import_file(db, first)
    report = await import_file(db, second)
    assert (report.updated, report.errors) == (1, [])
    cap = await load(db, "cap")
    assert cap.variants == [
        (None, Decimal("12.00"), None, (("Size", "M"),), 0),
        ("CAP-L", Decimal("13.00"), None, (("Size", "L"),), 0),
    ]
