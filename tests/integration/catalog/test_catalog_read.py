"""The catalog's read side as storefronts meet it: money, nulls, filters, counts, tree order."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.domains import catalog
from tests.fixtures.catalog_data import N_PRODUCTS, load_small_catalog, product_draft

pytestmark = pytest.mark.integration

# variants at 40 and 110: the product's range overlaps 50–100, but no variant is in it
GAP = catalog.ProductDraft(
    handle="gap-product",
    title="Gap product",
    variants=(
        catalog.VariantDraft(sku="GAP-40", price=Decimal("40.00")),
        catalog.VariantDraft(sku="GAP-110", price=Decimal("110.00")),
    ),
)
# nothing but the required fields: no vendor, type, description, category or compare-at
BARE = catalog.ProductDraft(
    handle="bare-product",
    title="Bare product",
    variants=(catalog.VariantDraft(sku="BARE-1", price=Decimal("7")),),
)


@pytest.fixture(scope="module", autouse=True)
async def small_catalog(db):
    await load_small_catalog(db)
    async with db.uow("catalog") as uow:
        for d in (GAP, BARE):
            await catalog.upsert_product(uow, d)
        await uow.commit()


async def handles(api, filter, **kw) -> tuple[list[str], int]:
    r = await api.query(
        "query($f: ProductFilterInput) { products(first: 100, filter: $f) "
        "{ totalCount nodes { handle } } }",
        {"f": filter},
    )
    conn = r.data["products"]
    return [n["handle"] for n in conn["nodes"]], conn["totalCount"]


async def test_price_filter_needs_a_variant_in_range_not_an_overlapping_range(api):
    got, total = await handles(api, {"price": {"min": "50", "max": "100"}})
    assert "gap-product" not in got
    assert total == len(got)
    # every product listed has a variant in range, and every such product is listed
    want = [
        product_draft(n).handle
        for n in range(N_PRODUCTS)
        if any(Decimal(50) <= v.price <= Decimal(100) for v in product_draft(n).variants)
    ]
    assert got == want
    # the bounds alone, and a range holding one of its variants, still find it
    assert "gap-product" in (await handles(api, {"price": {"min": "105"}}))[0]
    assert "gap-product" in (await handles(api, {"price": {"max": "45"}}))[0]
    assert "gap-product" in (await handles(api, {"price": {"min": "30", "max": "45"}}))[0]


async def test_attribute_filter_ignores_case_like_the_brand_filter(api):
    exact, n_exact = await handles(api, {"attributes": [{"name": "Material", "value": "Wool"}]})
    assert exact and n_exact == len(exact)
    for name, value in (("material", "wool"), ("MATERIAL", "wOOL")):
        got = await handles(api, {"attributes": [{"name": name, "value": value}]})
        assert got == (exact, n_exact)
    assert await handles(api, {"brand": "GLOBEX"}) == await handles(api, {"brand": "globex"})


MONEY = """
query($h: String!) {
  product(handle: $h) {
    vendor productType description descriptionHtml
    priceRange { minVariantPrice { amount currencyCode } }
    compareAtPriceRange { minVariantPrice { amount currencyCode } maxVariantPrice { amount } }
    variants { nodes { sku compareAtPrice { amount } price { amount } } }
    category { id }
  }
}
"""


async def test_no_compare_at_price_is_zero_money_formatted_like_every_amount(api):
    bare = (await api.query(MONEY, {"h": "bare-product"})).data["product"]
    assert bare["priceRange"]["minVariantPrice"] == {"amount": "7.00", "currencyCode": "USD"}
    assert bare["compareAtPriceRange"] == {
        "minVariantPrice": {"amount": "0.00", "currencyCode": "USD"},
        "maxVariantPrice": {"amount": "0.00"},
    }
    assert bare["variants"]["nodes"] == [
        {"sku": "BARE-1", "compareAtPrice": None, "price": {"amount": "7.00"}}
    ]
    # product 0 is on sale: its compare-at amounts have two digits too
    sale = (await api.query(MONEY, {"h": "test-product-000"})).data["product"]
    assert sale["compareAtPriceRange"]["maxVariantPrice"] == {"amount": "50.00"}
    assert sale["variants"]["nodes"][0]["compareAtPrice"] == {"amount": "50.00"}


async def test_missing_values_are_null_not_empty_strings(api):
    bare = (await api.query(MONEY, {"h": "bare-product"})).data["product"]
    assert bare["vendor"] is None and bare["productType"] is None
    assert bare["category"] is None
    # text that is simply empty stays a string (as in Shopify): there is no description
    assert bare["description"] == "" and bare["descriptionHtml"] == ""
    full = (await api.query(MONEY, {"h": "test-product-001"})).data["product"]
    assert full["vendor"] == "Globex" and full["productType"] == "Thing"
    cat = await api.query('{ category(handle: "apparel") { description } }')
    assert cat.data["category"]["description"] is None


TREE_ORDER = [
    "apparel",
    "apparel-men",
    "apparel-men-shirts",
    "apparel-men-trousers",
    "apparel-women",
    "apparel-women-dresses",
    "home",
    "home-kitchen",
]


async def walk_categories(api, direction: str, size: int) -> list[str]:
    q = """query($first: Int, $after: String, $last: Int, $before: String) {
      categories(first: $first, after: $after, last: $last, before: $before) {
        nodes { handle } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      } }"""
    out: list[str] = []
    cursor = None
    for _ in range(20):
        if direction == "forward":
            r = await api.query(q, {"first": size, "after": cursor})
        else:
            r = await api.query(q, {"last": size, "before": cursor})
        conn = r.data["categories"]
        page = [n["handle"] for n in conn["nodes"]]
        out = out + page if direction == "forward" else page + out
        info = conn["pageInfo"]
        more = info["hasNextPage"] if direction == "forward" else info["hasPreviousPage"]
        if not more:
            return out
        cursor = info["endCursor"] if direction == "forward" else info["startCursor"]
    raise AssertionError("paging did not end")


async def test_categories_come_in_tree_order_depth_first(api):
    assert await walk_categories(api, "forward", 100) == TREE_ORDER
    assert await walk_categories(api, "forward", 3) == TREE_ORDER
    assert await walk_categories(api, "backward", 3) == TREE_ORDER


async def test_category_listings_count_what_they_list(api):
    r = await api.query("{ categories(first: 2) { totalCount nodes { handle } } }")
    assert r.data["categories"]["totalCount"] == len(TREE_ORDER)
    top = await api.query("{ categories(topLevel: true) { totalCount nodes { handle } } }")
    assert top.data["categories"] == {
        "totalCount": 2,
        "nodes": [{"handle": "apparel"}, {"handle": "home"}],
    }
    apparel = (await api.query('{ category(handle: "apparel") { id } }')).data["category"]["id"]
    kids = await api.query(
        "query($p: ID) { categories(parentId: $p) { totalCount nodes { handle } } }", {"p": apparel}
    )
    assert kids.data["categories"]["totalCount"] == 2


async def test_every_connection_has_a_total_count(api):
    r = await api.query(
        '{ product(handle: "test-product-002") { variants(first: 1) { totalCount nodes { sku } } '
        "images(first: 1) { totalCount nodes { altText } } } }"
    )
    p = r.data["product"]
    assert p["variants"]["totalCount"] == 3 and len(p["variants"]["nodes"]) == 1
    assert p["images"]["totalCount"] == 2 and len(p["images"]["nodes"]) == 1


CATEGORY_FILTERED = """
query($h: String!, $f: ProductFilterInput) {
  category(handle: $h) {
    products(first: 100, filter: $f) { totalCount nodes { handle } }
  }
}
"""


async def test_category_products_take_the_same_filter_as_products(api):
    apparel = (await api.query('{ category(handle: "apparel") { id } }')).data["category"]["id"]
    home = (await api.query('{ category(handle: "home") { id } }')).data["category"]["id"]
    for f in (
        {"brand": "globex"},
        {"attributes": [{"name": "Material", "value": "wool"}]},
        {"price": {"min": "20", "max": "120"}},
        {"categoryId": apparel},  # inside both: the same as the category alone
        {"categoryId": home},  # inside both: nothing
    ):
        r = await api.query(CATEGORY_FILTERED, {"h": "apparel", "f": f})
        conn = r.data["category"]["products"]
        root_f = {**f, "categoryId": apparel} if "categoryId" not in f else None
        if root_f is not None:
            want = await handles(api, root_f)
        elif f["categoryId"] == apparel:
            want = await handles(api, {"categoryId": apparel})
        else:
            want = ([], 0)
        assert ([n["handle"] for n in conn["nodes"]], conn["totalCount"]) == want, f


FILTERED_LISTINGS = """
query($first: Int!) {
  categories(first: $first) {
    nodes {
      handle
      products(first: 3, filter: {brand: "acme", price: {min: "10"}}) {
        totalCount
        nodes { handle variants { totalCount nodes { sku } } }
      }
    }
  }
}
"""


async def test_filtered_category_listings_still_batch_into_a_few_statements(api):
    counts = {}
    for size in (2, 8):
        with api.count_statements() as seen:
            r = await api.query(FILTERED_LISTINGS, {"first": size})
        assert len(r.data["categories"]["nodes"]) == size
        counts[size] = len(seen)
    # categories, product pages, counts, variants: one statement each
    assert counts[2] == counts[8] == 4, counts


async def test_an_image_is_a_node(api):
    r = await api.query(
        '{ product(handle: "test-product-001") { images { nodes { id altText } } } }'
    )
    image = r.data["product"]["images"]["nodes"][0]
    node = await api.query(
        "query($id: ID!) { node(id: $id) { __typename id ... on Image { altText url } } }",
        {"id": image["id"]},
    )
    got = node.data["node"]
    assert got["__typename"] == "Image" and got["id"] == image["id"]
    assert got["altText"] == image["altText"] and got["url"].startswith("http")


async def test_a_variant_always_names_its_product(api):
    r = await api.query(
        '{ product(handle: "test-product-002") { variants { nodes { product { handle } } } } }'
    )
    assert {v["product"]["handle"] for v in r.data["product"]["variants"]["nodes"]} == {
        "test-product-002"
    }


async def vendor_walk(api, direction: str) -> list[str]:
    q = """query($first: Int, $after: String, $last: Int, $before: String) {
      products(first: $first, after: $after, last: $last, before: $before, sortKey: VENDOR) {
        nodes { handle vendor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      } }"""
    out: list[str] = []
    cursor = None
    for _ in range(40):
        if direction == "forward":
            r = await api.query(q, {"first": 4, "after": cursor})
        else:
            r = await api.query(q, {"last": 4, "before": cursor})
        conn = r.data["products"]
        page = [n["handle"] for n in conn["nodes"]]
        out = out + page if direction == "forward" else page + out
        info = conn["pageInfo"]
        if not (info["hasNextPage"] if direction == "forward" else info["hasPreviousPage"]):
            return out
        cursor = info["endCursor"] if direction == "forward" else info["startCursor"]
    raise AssertionError("paging did not end")


async def test_a_missing_vendor_stored_as_null_keeps_its_place_when_sorting_by_vendor(api, db):
    # storage writes NULL for a missing vendor (the importer's rule); the column allows it
    async with db.uow("catalog") as uow:
        await uow.session.execute(
            sa.text("ALTER TABLE catalog.products ALTER COLUMN vendor DROP NOT NULL")
        )
        await uow.session.execute(
            sa.text("UPDATE catalog.products SET vendor = NULL WHERE handle = 'bare-product'")
        )
        await uow.commit()
    r = await api.query('{ product(handle: "bare-product") { vendor } }')
    assert r.data["product"]["vendor"] is None
    forward = await vendor_walk(api, "forward")
    assert forward == await vendor_walk(api, "backward")
    assert sorted(forward) == sorted(
        [product_draft(n).handle for n in range(N_PRODUCTS)] + ["gap-product", "bare-product"]
    )
    # no vendor sorts first, like the empty string it stands for
    assert set(forward[:2]) == {"bare-product", "gap-product"}
