"""`first: 0` is a page of nothing that still tells whether there is more (issue 11 #5)."""

from __future__ import annotations

import pytest

from tests.fixtures.catalog_data import load_small_catalog

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
async def small_catalog(db):
    await load_small_catalog(db)


@pytest.mark.parametrize("field", ["products", "categories"])
async def test_first_zero_has_a_next_page_on_a_non_empty_list(api, field):
    r = await api.query(f"{{ {field}(first: 0) {{ nodes {{ id }} pageInfo {{ hasNextPage }} }} }}")
    assert r.data[field] == {"nodes": [], "pageInfo": {"hasNextPage": True}}


async def test_first_zero_after_the_last_item_has_none(api):
    everything = await api.query("{ products(first: 100) { pageInfo { endCursor } } }")
    end = everything.data["products"]["pageInfo"]["endCursor"]
    r = await api.query(
        "query($a: String) { products(first: 0, after: $a) { pageInfo { hasNextPage } } }",
        {"a": end},
    )
    assert r.data["products"]["pageInfo"]["hasNextPage"] is False


async def test_last_zero_has_a_previous_page(api):
    r = await api.query("{ products(last: 0) { nodes { id } pageInfo { hasPreviousPage } } }")
    assert r.data["products"] == {"nodes": [], "pageInfo": {"hasPreviousPage": True}}
