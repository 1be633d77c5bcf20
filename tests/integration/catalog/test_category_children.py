"""`Category.children` is a plain list with a cap, so the query cost's bound is real."""

from __future__ import annotations

import pytest

from app.domains import catalog
from app.schema.catalog import CHILDREN_SHOWN
from app.schema.cost import LIST_BOUNDS
from tests.fixtures.catalog_data import empty_catalog

pytestmark = pytest.mark.integration


async def test_children_lists_at_most_its_cap_and_categories_pages_the_rest(api, db):
    await empty_catalog(db)
    try:
        async with db.uow("catalog") as uow:
            for i in range(CHILDREN_SHOWN + 5):
                await catalog.ensure_category_path(uow, ["Shelf", f"Box {i:03d}"])
            await uow.commit()
        r = await api.query(
            '{ category(handle: "shelf") { id children { title } } }',
        )
        shelf = r.data["category"]
        assert len(shelf["children"]) == CHILDREN_SHOWN == LIST_BOUNDS["Category.children"]
        r = await api.query(
            "query($p: ID!) { categories(first: 100, parentId: $p) { totalCount } }",
            {"p": shelf["id"]},
        )
        assert r.data["categories"]["totalCount"] == CHILDREN_SHOWN + 5
    finally:
        await empty_catalog(db)
