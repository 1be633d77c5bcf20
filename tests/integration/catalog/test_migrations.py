"""catalog_0002 on data written by the old code: "" becomes NULL, categories get the slug
they were created from, and the old rows still satisfy the new constraints."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from alembic import command
from app.platform.db import Database
from app.platform.migrate import alembic_config
from app.platform.settings import Settings

pytestmark = pytest.mark.integration

OLD_ROWS = (
    "INSERT INTO catalog.categories (id, handle, title, parent_id, path, depth) "
    "OVERRIDING SYSTEM VALUE VALUES (1, 'home', 'Home', NULL, '/1/', 0), "
    "(2, 'home-kitchen', 'Kitchen', 1, '/1/2/', 1), "
    "(3, 'home-kitchen-knives', 'Kitchen Knives', 1, '/1/3/', 1)",
    "INSERT INTO catalog.products (id, handle, title, description_html, product_type, vendor, "
    "category_id) OVERRIDING SYSTEM VALUE VALUES (1, 'old', 'Old', '', ' ', '', 2), "
    "(2, 'kept', 'Kept', '<p>x</p>', 'T', 'V', 3)",
    "INSERT INTO catalog.images (product_id, url, alt) VALUES (1, '/a.jpg', '')",
    "INSERT INTO catalog.variants (product_id, sku, title, price, weight_grams) "
    "VALUES (1, 'OLD-1', 'Default Title', 1, 250)",
)


async def _alembic(settings: Settings, action: str, revision: str) -> None:
    cfg = alembic_config("catalog", settings.database_url_for("catalog"))
    await asyncio.to_thread(getattr(command, action), cfg, revision)


async def test_0002_turns_empty_strings_into_null_and_backfills_slugs(
    clean_catalog: Database, settings: Settings
) -> None:
    db = clean_catalog
    await _alembic(settings, "downgrade", "catalog_0001")
    try:
        async with db.uow("catalog") as uow:
            for sql in OLD_ROWS:
                await uow.session.execute(sa.text(sql))
            await uow.commit()
    finally:
        await _alembic(settings, "upgrade", "catalog@head")

    async with db.uow("catalog") as uow:
        s = uow.session
        products = list(
            await s.execute(
                sa.text(
                    "SELECT handle, description_html, product_type, vendor FROM catalog.products "
                    "ORDER BY id"
                )
            )
        )
        alt = (await s.execute(sa.text("SELECT alt FROM catalog.images"))).scalar_one()
        slugs = list(
            await s.execute(sa.text("SELECT handle, slug FROM catalog.categories ORDER BY id"))
        )
        grams = (await s.execute(sa.text("SELECT weight_grams FROM catalog.variants"))).scalar_one()
    assert [tuple(r) for r in products] == [
        ("old", None, None, None),
        ("kept", "<p>x</p>", "T", "V"),
    ]
    assert alt is None
    assert [tuple(r) for r in slugs] == [
        ("home", "home"),
        ("home-kitchen", "kitchen"),
        ("home-kitchen-knives", "kitchen-knives"),
    ]
    assert grams == 250
