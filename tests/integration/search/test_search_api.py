"""`search` and `predictiveSearch` over GraphQL, on the app's own backend (Elasticsearch)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
import sqlalchemy as sa

from app.domains import search
from app.main import create_app
from app.platform.db import Database
from app.platform.settings import Settings
from app.workers.search import sync_products
from tests.fixtures.api import ApiClient
from tests.fixtures.catalog_data import N_PRODUCTS, load_small_catalog, product_draft

pytestmark = pytest.mark.integration

SEARCH = """
query($q: String, $f: [ProductFilter!], $first: Int, $after: String, $sort: SearchSortKeys) {
  search(query: $q, filters: $f, first: $first, after: $after, sortKey: $sort) {
    totalCount
    nodes { handle title vendor }
    pageInfo { hasNextPage endCursor }
    filters { id label type minPrice maxPrice values { label count input } }
  }
}"""


@pytest.fixture(scope="module")
async def indexed(api: ApiClient, settings: Settings, db: Database) -> AsyncIterator[None]:
    await load_small_catalog(db)
    service = search.SearchService.from_settings(settings, db)
    assert isinstance(service.backend, search.ElasticsearchBackend)
    await service.backend.drop()
    async with db.reader("catalog") as uow:
        ids = list(
            (await uow.session.execute(sa.text("SELECT id FROM catalog.products"))).scalars()
        )
    await sync_products(db, service, ids)
    await service.backend.refresh()
    yield
    await service.backend.drop()
    await service.close()


def facet(body: dict, label: str) -> dict:
    return next(f for f in body["filters"] if f["label"] == label)


async def test_search_returns_products_with_facets_whose_inputs_filter(api, indexed):
    r = (await api.query(SEARCH, {"q": "item", "first": 100})).data["search"]
    assert r["totalCount"] == N_PRODUCTS == len(r["nodes"])
    brands = facet(r, "Brand")
    assert brands["type"] == "LIST"
    acme = next(v for v in brands["values"] if v["label"] == "Acme")
    assert acme["count"] == sum(1 for n in range(N_PRODUCTS) if n % 3 == 0)

    # the input, passed back, filters; the brand facet still counts the other brands
    f = [orjson.loads(acme["input"])]
    r2 = (await api.query(SEARCH, {"q": "item", "f": f, "first": 100})).data["search"]
    assert r2["totalCount"] == acme["count"]
    assert {n["vendor"] for n in r2["nodes"]} == {"Acme"}
    assert {v["label"]: v["count"] for v in facet(r2, "Brand")["values"]} == {
        v["label"]: v["count"] for v in brands["values"]
    }
    # and it narrows the other facets
    red = next(v for v in facet(r2, "Color")["values"] if v["label"] == "Red")
    r3 = (
        await api.query(SEARCH, {"q": "item", "f": [*f, orjson.loads(red["input"])], "first": 100})
    ).data["search"]
    assert r3["totalCount"] == red["count"]

    price = facet(r, "Price")
    assert price["type"] == "PRICE_RANGE" and price["minPrice"] == "5.99"
    total_in_buckets = 0
    for v in price["values"]:
        got = (await api.query(SEARCH, {"q": "item", "f": [orjson.loads(v["input"])]})).data
        assert got["search"]["totalCount"] == v["count"], v
        total_in_buckets += v["count"]
    assert total_in_buckets >= N_PRODUCTS

    cat = facet(r, "Category")["values"][0]
    got = (await api.query(SEARCH, {"q": "item", "f": [orjson.loads(cat["input"])]})).data
    assert got["search"]["totalCount"] == cat["count"]


async def test_pages_follow_each_other(api, indexed):
    seen: list[str] = []
    after = None
    for _ in range(10):
        r = (
            await api.query(SEARCH, {"q": "item", "first": 7, "after": after, "sort": "TITLE"})
        ).data["search"]
        seen += [n["handle"] for n in r["nodes"]]
        if not r["pageInfo"]["hasNextPage"]:
            break
        after = r["pageInfo"]["endCursor"]

    def by_title(handle: str) -> tuple[str, int]:
        n = int(handle[-3:])
        return product_draft(n).title.lower(), n

    assert seen == sorted(seen, key=by_title)
    assert len(seen) == len(set(seen)) == N_PRODUCTS


async def test_predictive_search_completes_and_marks_what_was_typed(api, indexed):
    q = """query($q: String!) { predictiveSearch(query: $q, limit: 5) {
        products { title } categories { title } queries { text styledText } } }"""
    r = (await api.query(q, {"q": "sturdy ite"})).data["predictiveSearch"]
    assert r["products"] and all(p["title"].startswith("Sturdy item") for p in r["products"])
    assert r["categories"]
    r = (await api.query(q, {"q": "stur"})).data["predictiveSearch"]
    assert any(s["styledText"].startswith("<mark>stur</mark>") for s in r["queries"])
    r = (await api.query(q, {"q": "sturdi item"})).data["predictiveSearch"]  # a typo
    assert r["products"]


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"first": 1000}, "PAGE_SIZE_EXCEEDED"),
        ({"after": "bm90IGEgY3Vyc29y"}, "INVALID_CURSOR"),
        ({"f": [{"category": "gid://emporium/Product/1"}]}, "INVALID_ID"),
        ({"f": [{"price": {"min": "-1"}}]}, "BAD_USER_INPUT"),
    ],
)
async def test_bad_arguments_are_coded_errors(api, indexed, variables, code):
    r = await api.query(SEARCH, {"q": "item", **variables})
    assert r.codes == [code]


@pytest.mark.parametrize("q", ["", "!!!", "x" * 10_000, "😀 ' OR 1=1 --", '\\"*:&|()'])
async def test_absurd_queries_answer_without_errors(api, indexed, q):
    r = await api.query(SEARCH, {"q": q})
    assert r.status == 200 and not r.errors
    r = await api.query(
        "query($q: String!) { predictiveSearch(query: $q) { products { id } } }", {"q": q}
    )
    assert not r.errors


async def test_search_down_is_a_coded_error_and_the_catalog_still_answers(settings, db):
    app = create_app(settings.model_copy(update={"search_url": "http://127.0.0.1:9"}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            client = ApiClient(http)
            r = await client.query(SEARCH, {"q": "item"})
            assert r.codes == ["SEARCH_UNAVAILABLE"]
            r = await client.query("{ products(first: 1) { nodes { id } } }")
            assert not r.errors


async def test_facets_asked_for_inside_a_fragment_are_computed(api, indexed):
    q = """query { search(query: "item") { ...F } }
           fragment F on SearchProductConnection { filters { label values { count } } }"""
    r = (await api.query(q)).data["search"]
    assert sum(v["count"] for v in facet(r, "Brand")["values"]) == N_PRODUCTS


async def test_an_index_removed_behind_the_apps_back_is_made_again_not_a_500(
    api: ApiClient, settings: Settings, db: Database
):
    """The app's backend knows its index exists; another process then deletes it (by hand,
    or a test's cleanup). Searches answer, empty, instead of INTERNAL_SERVER_ERROR."""
    r = await api.query(SEARCH, {"q": "item"})
    assert not r.errors
    other = search.SearchService.from_settings(settings, db)
    assert isinstance(other.backend, search.ElasticsearchBackend)
    await other.backend.drop()
    await other.backend.close()
    r = await api.query(SEARCH, {"q": "item"})
    assert not r.errors and r.data["search"]["totalCount"] == 0
    r = await api.query(
        "query($q: String!) { predictiveSearch(query: $q) { products { id } } }", {"q": "ite"}
    )
    assert not r.errors
