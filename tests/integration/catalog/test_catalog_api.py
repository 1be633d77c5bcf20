"""The catalog's GraphQL API against the real Postgres: pages, filters, loaders, errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.fixtures.catalog_data import N_PRODUCTS, load_small_catalog, product_draft

pytestmark = pytest.mark.integration

LISTING = """
query($first: Int, $after: String, $last: Int, $before: String, $sortKey: ProductSortKeys!,
      $reverse: Boolean!, $filter: ProductFilterInput) {
  products(first: $first, after: $after, last: $last, before: $before, sortKey: $sortKey,
           reverse: $reverse, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id handle title vendor priceRange { minVariantPrice { amount currencyCode } } } }
  }
}
"""

FULL_PAGE = """
query($first: Int!) {
  products(first: $first) {
    nodes {
      id title handle description vendor
      priceRange { minVariantPrice { amount currencyCode } maxVariantPrice { amount } }
      featuredImage { url altText }
      images(first: 5) { nodes { url } }
      category { id title parent { title } }
      brand { name }
      attributes { name value }
      options { name values }
      variants(first: 10) {
        nodes { id sku title price { amount currencyCode } compareAtPrice { amount }
                selectedOptions { name value } product { handle } }
      }
    }
  }
}
"""


@pytest.fixture(scope="module", autouse=True)
async def small_catalog(db):
    await load_small_catalog(db)


async def listing(api, **kw):
    variables = {"sortKey": "ID", "reverse": False, **kw}
    return await api.query(LISTING, variables)


async def walk(api, direction: str, size: int, **kw) -> list[str]:
    """Every handle, page by page, forward (first/after) or backward (last/before)."""
    handles: list[str] = []
    cursor = None
    while True:
        if direction == "forward":
            r = await listing(api, first=size, after=cursor, **kw)
        else:
            r = await listing(api, last=size, before=cursor, **kw)
        conn = r.data["products"]
        page = [e["node"]["handle"] for e in conn["edges"]]
        handles = handles + page if direction == "forward" else page + handles
        info = conn["pageInfo"]
        if direction == "forward":
            if not info["hasNextPage"]:
                return handles
            cursor = info["endCursor"]
        else:
            if not info["hasPreviousPage"]:
                return handles
            cursor = info["startCursor"]


def expected_order(sort_key: str, reverse: bool) -> list[str]:
    drafts = [product_draft(n) for n in range(N_PRODUCTS)]
    keys = {
        "ID": lambda d: int(d.handle[-3:]),
        "TITLE": lambda d: (d.title, int(d.handle[-3:])),
        "PRICE": lambda d: (min(v.price for v in d.variants), int(d.handle[-3:])),
        "VENDOR": lambda d: (d.brand, int(d.handle[-3:])),
    }
    return [d.handle for d in sorted(drafts, key=keys[sort_key], reverse=reverse)]


@pytest.mark.parametrize("sort_key", ["ID", "TITLE", "PRICE", "VENDOR"])
@pytest.mark.parametrize("reverse", [False, True])
async def test_paging_forward_and_backward_visits_every_product_once_in_order(
    api, sort_key, reverse
):
    want = expected_order(sort_key, reverse)
    assert await walk(api, "forward", 7, sortKey=sort_key, reverse=reverse) == want
    assert await walk(api, "backward", 7, sortKey=sort_key, reverse=reverse) == want


async def test_total_count_and_money(api):
    r = await listing(api, first=2)
    conn = r.data["products"]
    assert conn["totalCount"] == N_PRODUCTS
    money = conn["edges"][0]["node"]["priceRange"]["minVariantPrice"]
    assert money == {"amount": "5.99", "currencyCode": "USD"}
    assert conn["pageInfo"]["hasNextPage"] and not conn["pageInfo"]["hasPreviousPage"]


async def test_filters(api):
    cats = (await api.query('{ category(handle: "apparel") { id children { handle } } }')).data
    apparel = cats["category"]["id"]
    assert [c["handle"] for c in cats["category"]["children"]] == ["apparel-men", "apparel-women"]
    # a category includes everything below it: 3 of the 4 leaf paths are under Apparel
    r = await listing(api, first=100, filter={"categoryId": apparel})
    expected = [product_draft(n).handle for n in range(N_PRODUCTS) if n % 4 != 3]
    assert [e["node"]["handle"] for e in r.data["products"]["edges"]] == expected
    assert r.data["products"]["totalCount"] == len(expected)

    r = await listing(api, first=100, filter={"brand": "globex"})
    assert {e["node"]["vendor"] for e in r.data["products"]["edges"]} == {"Globex"}
    assert r.data["products"]["totalCount"] == 10

    # values of one attribute are OR-ed, different attributes AND-ed
    r = await listing(
        api,
        first=100,
        filter={
            "attributes": [
                {"name": "Material", "value": "Wool"},
                {"name": "Material", "value": "Linen"},
                {"name": "Size", "value": "L"},
            ]
        },
    )
    got = {e["node"]["handle"] for e in r.data["products"]["edges"]}
    assert got == {product_draft(n).handle for n in range(N_PRODUCTS) if n % 3 == 2}

    r = await listing(api, first=100, filter={"price": {"min": "50", "max": "100"}})
    for e in r.data["products"]["edges"]:
        d = next(
            product_draft(n)
            for n in range(N_PRODUCTS)
            if product_draft(n).handle == e["node"]["handle"]
        )
        assert any(Decimal(50) <= v.price <= Decimal(100) for v in d.variants)
    assert r.data["products"]["totalCount"] > 0


async def test_a_page_costs_the_same_few_statements_whatever_its_size(api):
    counts = {}
    for size in (5, 24):
        with api.count_statements() as seen:
            r = await api.query(FULL_PAGE, {"first": size})
        nodes = r.data["products"]["nodes"]
        assert len(nodes) == size
        assert all(n["variants"]["nodes"] and n["category"]["parent"] for n in nodes)
        counts[size] = len(seen)
    # products, variants, images, attributes, categories, parent categories, brands, and the
    # variants' products: one statement each, whatever the page size
    assert counts[5] == counts[24] <= 8, counts


async def test_product_by_handle_id_and_node(api):
    r = await api.query(
        '{ product(handle: "test-product-004") { id title description variants { nodes { id sku } } } }'
    )
    p = r.data["product"]
    assert p["title"] == "Tidy item 004" and p["description"] == "Item 4 & more"
    assert len(p["variants"]["nodes"]) == 2
    by_id = await api.query("query($id: ID!) { product(id: $id) { handle } }", {"id": p["id"]})
    assert by_id.data["product"]["handle"] == "test-product-004"
    vid = p["variants"]["nodes"][0]["id"]
    node = await api.query(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on ProductVariant { sku } ... on Product { handle } } }",
        {"ids": [vid, p["id"], "gid://emporium/Product/999999"]},
    )
    assert node.data["nodes"] == [
        {"id": vid, "sku": p["variants"]["nodes"][0]["sku"]},
        {"id": p["id"], "handle": "test-product-004"},
        None,
    ]
    missing = await api.query('{ product(handle: "no-such-thing") { id } }')
    assert missing.data["product"] is None


async def test_nested_variant_pagination(api):
    q = 'query($after: String) { product(handle: "test-product-002") { variants(first: 2, after: $after) { nodes { sku } pageInfo { hasNextPage endCursor } } } }'
    first = (await api.query(q)).data["product"]["variants"]
    assert [n["sku"] for n in first["nodes"]] == ["T-002-RE", "T-002-BL"]
    assert first["pageInfo"]["hasNextPage"]
    rest = (await api.query(q, {"after": first["pageInfo"]["endCursor"]})).data["product"][
        "variants"
    ]
    assert [n["sku"] for n in rest["nodes"]] == ["T-002-GR"] and not rest["pageInfo"]["hasNextPage"]


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ products(first: 10000) { edges { cursor } } }", None, "PAGE_SIZE_EXCEEDED"),
        ("{ products(first: -1) { edges { cursor } } }", None, "INVALID_PAGINATION"),
        ("{ products(first: 1, last: 1) { edges { cursor } } }", None, "INVALID_PAGINATION"),
        ('{ products(first: 5, after: "garbage!") { edges { cursor } } }', None, "INVALID_CURSOR"),
        (
            '{ products(first: 5, after: "WyJjYXRlZ29yaWVzOk5vbmU6MCIsMSwxXQ") { edges { cursor } } }',
            None,
            "INVALID_CURSOR",
        ),
        ('{ product(id: "42") { id } }', None, "INVALID_ID"),
        ('{ product(id: "gid://emporium/Category/1") { id } }', None, "INVALID_ID"),
        ('{ node(id: "gid://emporium/Nope/1") { id } }', None, "INVALID_ID"),
        ("{ product { id } }", None, "BAD_USER_INPUT"),
        ('{ products(filter: {categoryId: "x"}) { totalCount } }', None, "INVALID_ID"),
        ('{ products(filter: {price: {min: "-1"}}) { totalCount } }', None, "BAD_USER_INPUT"),
        ('{ products(filter: {price: {min: "1e400"}}) { totalCount } }', None, "BAD_USER_INPUT"),
        ('{ products(filter: {price: {max: "NaN"}}) { totalCount } }', None, "BAD_USER_INPUT"),
        ("query($f: Int) { products(first: $f) { totalCount } }", {"f": "abc"}, "BAD_USER_INPUT"),
        ("query($f: Int!) { products(first: $f) { totalCount } }", None, "BAD_USER_INPUT"),
        ("mutation { nothing }", None, "GRAPHQL_VALIDATION_FAILED"),
        ('{ category(handle: "\\u0000") { id } }', None, "BAD_USER_INPUT"),
        ('{ products(filter: {brand: "a\\u0000"}) { totalCount } }', None, "BAD_USER_INPUT"),
        # a hand-made cursor whose id is past bigint
        (
            '{ products(first: 1, after: "WyJwcm9kdWN0czpJRDowIiwgMTAwMDAwMDAwMDAwMDAwMDAwMDAwMF0") { totalCount } }',
            None,
            "INVALID_CURSOR",
        ),
        ("{ products(first: 1) { edges { node { nope } } } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("{ products(first: 1) { edges { node { id } }", None, "GRAPHQL_PARSE_FAILED"),
        (
            "{ " + " ".join(f'a{i}: product(handle: "x") {{ id }}' for i in range(40)) + " }",
            None,
            "TOO_MANY_ALIASES",
        ),
        (
            "{ products(first: 1) { nodes { "
            + "variants { nodes { product { " * 6
            + "id"
            + " } } }" * 6
            + " } } }",
            None,
            "QUERY_TOO_DEEP",
        ),
        ("{ products { nodes { " + "id " * 5000 + "} } }", None, "QUERY_TOO_LARGE"),
    ],
)
async def test_bad_input_is_a_clear_error_never_a_500(api, query, variables, code):
    r = await api.query(query, variables)
    assert r.status < 500
    assert code in r.codes, r.body
    assert all("Traceback" not in e["message"] for e in r.errors)


async def test_a_cursor_from_another_sort_order_is_rejected(api):
    r = await listing(api, first=2, sortKey="PRICE")
    cursor = r.data["products"]["pageInfo"]["endCursor"]
    again = await listing(api, first=2, after=cursor, sortKey="TITLE")
    assert again.codes == ["INVALID_CURSOR"]


async def test_malformed_http_bodies_are_400_not_500(api):
    r = await api.http.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    r = await api.http.post("/graphql", json={"query": 42})
    assert 400 <= r.status_code < 500


CATEGORY_LISTINGS = """
query($first: Int!) {
  categories(first: $first) {
    nodes {
      handle
      products(first: 3, sortKey: PRICE, reverse: true) {
        totalCount
        nodes { handle variants { nodes { sku } } }
      }
    }
  }
}
"""


async def test_nested_category_listings_batch_into_a_few_statements(api):
    counts = {}
    for size in (2, 8):
        with api.count_statements() as seen:
            r = await api.query(CATEGORY_LISTINGS, {"first": size})
        cats = r.data["categories"]["nodes"]
        assert len(cats) == size
        counts[size] = len(seen)
        # each nested listing is exactly what the root listing filtered by category gives
        for cat in cats:
            cid = (
                await api.query(
                    "query($h: String!) { category(handle: $h) { id } }", {"h": cat["handle"]}
                )
            ).data["category"]["id"]
            alone = await listing(
                api, first=3, sortKey="PRICE", reverse=True, filter={"categoryId": cid}
            )
            assert [n["handle"] for n in cat["products"]["nodes"]] == [
                e["node"]["handle"] for e in alone.data["products"]["edges"]
            ]
            assert cat["products"]["totalCount"] == alone.data["products"]["totalCount"]
    # categories, product pages, counts, variants: one statement each, for 2 or 8 categories
    assert counts[2] == counts[8] == 4, counts


async def test_a_bad_cursor_fails_only_the_listing_that_sent_it(api):
    r = await api.query(
        "{ ok: products(first: 2) { nodes { handle } } "
        'bad: products(first: 2, after: "nope") { nodes { handle } } }'
    )
    # the cursor is checked before batching, so only the field that sent it fails
    assert r.codes == ["INVALID_CURSOR"]
    assert r.errors[0]["path"] == ["bad"]


async def test_a_query_that_could_return_millions_is_refused_before_it_runs(api):
    amplifying = "{ products(first: 100) { nodes { variants { nodes { product { variants { nodes { id } } } } } } } }"
    with api.count_statements() as seen:
        r = await api.query(amplifying)
    assert r.codes == ["QUERY_TOO_COSTLY"]
    ext = r.errors[0]["extensions"]
    assert ext["cost"] > ext["maxCost"] == 50_000
    assert seen == []  # refused before execution: no SQL ran
    # the same shape with small pages is fine, and variables are costed as sent
    q = "query($n: Int) { products(first: $n) { nodes { variants(first: $n) { nodes { product { id } } } } } }"
    assert (await api.query(q, {"n": 5})).data["products"]["nodes"]
    assert (await api.query(q, {"n": 100})).codes == []  # 100 × 100 × 2 ≈ 20k: allowed
