"""The storefront queries people copy run planned, and /metrics shows it.

The README's example query and the benchmark's listing and product page are answered from
their plan (counted `planned` per operation name); an operation selecting a field the
planner does not know is answered by strawberry (counted `fallback`, its reason logged)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from app.platform.db import Database
from bench.query import PRODUCT_QUERY, PRODUCTS_QUERY
from tests.fixtures.api import ApiClient
from tests.fixtures.catalog_data import load_small_catalog

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_query() -> str:
    blocks = re.findall(r"```graphql\n(.*?)```", README.read_text(), re.S)
    reads = [b for b in blocks if b.lstrip().startswith(("{", "query"))]
    assert reads, "README.md has no example read query"
    return reads[0]


async def executions(api: ApiClient, operation: str) -> dict[str, float]:
    text = (await api.http.get("/metrics")).text
    out = {"planned": 0.0, "fallback": 0.0}
    for mode, value in re.findall(
        rf'emporium_graphql_executions_total\{{mode="(\w+)",operation="{operation}"\}} (\S+)',
        text,
    ):
        out[mode] = float(value)
    return out


# what every storefront shows beside a price: stock, from the inventory's hot counts
AVAILABILITY_QUERY = """query Availability { products(first: 5) { nodes { availableForSale
  variants(first: 3) { nodes { availableForSale quantityAvailable } } } } }"""


async def run(api: ApiClient, query: str, operation: str | None, variables: dict) -> dict:
    body = {"query": query, "variables": variables, "operationName": operation}
    r = await api.http.post("/graphql", json=body)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert not answer.get("errors"), answer["errors"]
    return answer["data"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("query", "operation", "variables"),
    [
        (readme_query(), None, {}),
        (PRODUCTS_QUERY, "ProductListing", {}),
        (PRODUCT_QUERY, "ProductPage", {"handle": "test-product-004"}),
        (AVAILABILITY_QUERY, "Availability", {}),
    ],
    ids=["readme", "bench-listing", "bench-product-page", "availability"],
)
async def test_storefront_queries_run_planned(
    api: ApiClient, db: Database, query: str, operation: str | None, variables: dict
) -> None:
    await load_small_catalog(db)
    label = operation or "anonymous"
    before = await executions(api, label)
    data = await run(api, query, operation, variables)
    assert data["products" if "products" in data else "product"]
    after = await executions(api, label)
    assert after["planned"] == before["planned"] + 1
    assert after["fallback"] == before["fallback"]


async def test_an_unknown_field_falls_back_and_says_why(
    api: ApiClient, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await load_small_catalog(db)
    query = (
        "query WithSchema { products(first: 1) { nodes { id } } __schema { queryType { name } } }"
    )
    before = await executions(api, "WithSchema")
    with caplog.at_level(logging.DEBUG, logger="emporium.planner"):
        data = await run(api, query, "WithSchema", {})
    assert data["__schema"]["queryType"]["name"] == "Query"
    after = await executions(api, "WithSchema")
    assert (after["planned"], after["fallback"]) == (before["planned"], before["fallback"] + 1)
    assert any("introspection field __schema" in r.getMessage() for r in caplog.records)
