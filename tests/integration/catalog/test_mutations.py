"""Staff catalog mutations through the real schema on the real Postgres: each mutation's
change, its refusals as coded `userErrors`, the event written with the change, the rules
shared with the importer, and anonymous callers refused over HTTP."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.domains import catalog
from app.domains.catalog.importer import import_file
from app.platform.auth import Viewer
from app.platform.ids import to_global_id
from app.resolvers.context import Context
from app.resolvers.errors import format_result
from app.schema import build_schema
from app.schema.catalog_mutations import CatalogMutation

pytestmark = pytest.mark.integration

SCHEMA = build_schema()
CATALOG_FIELDS = CatalogMutation.__strawberry_definition__.fields  # type: ignore[attr-defined]
STAFF = Viewer("staff", 1, frozenset({"MANAGE_PRODUCTS"}))

PRODUCT = "product { id handle title vendor productType tags status: handle category { title } }"
FULL_PRODUCT = """
  id handle title vendor productType tags descriptionHtml
  category { id title }
  variants { nodes { id sku price { amount } compareAtPrice { amount }
                     selectedOptions { name value } weight } }
  images { nodes { id url altText } }
"""
ERRORS = "userErrors { field message code }"

CREATE = f"""mutation($input: ProductInput!) {{
  productCreate(input: $input) {{ product {{ {FULL_PRODUCT} }} {ERRORS} }} }}"""
UPDATE = f"""mutation($input: ProductInput!) {{
  productUpdate(input: $input) {{ product {{ {FULL_PRODUCT} }} {ERRORS} }} }}"""


async def as_staff(api: Any, query: str, variables: dict[str, Any] | None = None) -> dict:
    """Run the schema in process as a staff member holding MANAGE_PRODUCTS (tokens arrive
    with the customers context)."""
    runtime = api.http._transport.app.state.runtime
    ctx = Context(runtime=runtime, request_id="test", viewer=STAFF)
    result = await SCHEMA.execute(query, variable_values=variables, context_value=ctx)
    return format_result(result, "test")


def data(body: dict) -> dict:
    assert not body.get("errors"), body["errors"]
    return body["data"]


async def rows(db: Any, sql: str) -> list[tuple]:
    async with db.uow("catalog") as uow:
        return [tuple(r) for r in await uow.session.execute(sa.text(sql))]


async def events(db: Any) -> list[tuple]:
    return await rows(
        db,
        "SELECT type, payload->>'handle', payload->>'change' FROM catalog.outbox ORDER BY id",
    )


async def create(api: Any, **fields: Any) -> dict:
    fields.setdefault("title", "Trail Tent")
    out = data(await as_staff(api, CREATE, {"input": fields}))["productCreate"]
    assert out["userErrors"] == []
    return out["product"]


@pytest.fixture
async def store(api, clean_catalog):
    return clean_catalog


# ---- products


async def test_product_create_writes_the_product_and_its_event(api, store):
    cat = await category(api, "Outdoor")
    p = await create(
        api,
        title="Trail Tent",
        vendor="Acme",
        productType="Tent",
        tags=["camping", " "],
        categoryId=cat["id"],
        descriptionHtml="<p>Dry</p>",
        variants=[
            {"sku": "TT-2", "price": "199.00", "optionValues": [{"optionName": "Size", "name": "2P"}]},
            {"sku": "TT-3", "price": "249.00", "compareAtPrice": "299.00", "weight": "2.5",
             "weightUnit": "KILOGRAMS", "optionValues": [{"optionName": "Size", "name": "3P"}]},
        ],
    )  # fmt: skip
    assert (p["handle"], p["vendor"], p["productType"], p["tags"]) == (
        "trail-tent", "Acme", "Tent", ["camping"]
    )  # fmt: skip
    assert p["category"]["title"] == "Outdoor"
    v = p["variants"]["nodes"]
    assert [(x["sku"], x["price"]["amount"], x["weight"]) for x in v] == [
        ("TT-2", "199.00", 0.0),
        ("TT-3", "249.00", 2500.0),
    ]
    assert (await events(store))[-1] == ("catalog.ProductChanged.v1", "trail-tent", "created")


async def test_product_create_without_variants_gets_a_default_one(api, store):
    p = await create(api, title="Gift Card", handle="gift-card", status="DRAFT")
    assert [(x["sku"], x["price"]["amount"]) for x in p["variants"]["nodes"]] == [(None, "0.00")]
    assert await rows(store, "SELECT status FROM catalog.products") == [("DRAFT",)]


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"title": " "}, ["input", "title"], "INVALID"),
        ({"handle": "Bad Handle"}, ["input", "handle"], "INVALID"),
        ({"variants": [{"price": "-1"}]}, ["input", "variants", "0", "price"], "INVALID"),
        ({"variants": [{"sku": "A"}, {"sku": "A"}]}, ["input", "variants", "1", "sku"], "INVALID"),
        ({"variants": [{"sku": f"S{i}"} for i in range(101)]}, ["input", "variants"],
         "TOO_MANY_VARIANTS"),
        ({"variants": [{"optionValues": [{"optionName": f"O{i}", "name": "x"} for i in range(4)]}]},
         ["input", "variants", "0", "options"], "TOO_MANY_OPTIONS"),
        ({"categoryId": to_global_id("Category", 999)}, ["input", "categoryId"], "NOT_FOUND"),
        ({"categoryId": "nonsense"}, ["input", "categoryId"], "INVALID_ID"),
        ({"handle": "taken"}, ["input", "handle"], "TAKEN"),
        ({"variants": [{"id": to_global_id("ProductVariant", 1)}]},
         ["input", "variants", "0", "id"], "INVALID"),
        ({"variants": [{"sku": "TAKEN-SKU"}]}, ["input", "variants", "sku"], "DUPLICATE_SKU"),
    ],
)  # fmt: skip
async def test_product_create_refusals_are_coded_user_errors(api, store, fields, field, code):
    await create(api, title="Taken", handle="taken", variants=[{"sku": "TAKEN-SKU"}])
    before = await events(store)
    body = await as_staff(api, CREATE, {"input": {"title": "New", **fields}})
    out = data(body)["productCreate"]
    assert out["product"] is None
    assert [(e["field"], e["code"]) for e in out["userErrors"]] == [(field, code)]
    assert out["userErrors"][0]["message"]
    assert await events(store) == before  # nothing written, nothing announced
    assert await rows(store, "SELECT count(*) FROM catalog.products") == [(1,)]


async def test_product_update_changes_only_what_it_is_given(api, store):
    cat = await category(api, "Outdoor")
    p = await create(
        api, vendor="Acme", productType="Tent", tags=["a"], categoryId=cat["id"],
        descriptionHtml="<p>Dry</p>", variants=[{"sku": "TT-1", "price": "10.00"}],
    )  # fmt: skip
    await as_staff(
        api,
        "mutation($p: ID!, $i: [ImageInput!]!) { productImagesAdd(productId: $p, images: $i) "
        "{ userErrors { code } } }",
        {"p": p["id"], "i": [{"url": "/img/a.jpg", "altText": "A"}]},
    )
    out = data(await as_staff(api, UPDATE, {"input": {"id": p["id"], "title": "Storm Tent"}}))
    q = out["productUpdate"]["product"]
    assert q["title"] == "Storm Tent" and q["handle"] == "trail-tent"
    assert (q["vendor"], q["productType"], q["tags"], q["descriptionHtml"]) == (
        "Acme", "Tent", ["a"], "<p>Dry</p>"
    )  # fmt: skip
    assert q["category"]["title"] == "Outdoor"
    assert q["variants"] == p["variants"]  # same ids, same values
    assert [i["altText"] for i in q["images"]["nodes"]] == ["A"]

    # null clears; a new handle moves the product (same id)
    out = data(
        await as_staff(
            api,
            UPDATE,
            {"input": {"id": p["id"], "vendor": None, "categoryId": None, "handle": "storm"}},
        )
    )
    q = out["productUpdate"]["product"]
    assert (q["id"], q["handle"], q["vendor"], q["category"]) == (p["id"], "storm", None, None)
    assert q["productType"] == "Tent"
    assert (await events(store))[-2:] == [
        ("catalog.ProductChanged.v1", "trail-tent", "updated"),
        ("catalog.ProductChanged.v1", "storm", "updated"),
    ]


async def test_product_update_refusals(api, store):
    a = await create(api, title="A", variants=[{"sku": "A-1"}])
    await create(api, title="B", variants=[{"sku": "B-1"}])
    cases = [
        ({"id": to_global_id("Product", 999), "title": "x"}, ["input", "id"], "NOT_FOUND"),
        ({"id": to_global_id("Category", 1)}, ["input", "id"], "INVALID_ID"),
        ({"title": "no id"}, ["input", "id"], "INVALID"),
        ({"id": a["id"], "handle": "b"}, ["input", "handle"], "TAKEN"),
        (
            {"id": a["id"], "variants": [{"sku": "B-1"}]},
            ["input", "variants", "sku"],
            "DUPLICATE_SKU",
        ),
    ]
    for fields, field, code in cases:
        out = data(await as_staff(api, UPDATE, {"input": fields}))["productUpdate"]
        assert [(e["field"], e["code"]) for e in out["userErrors"]] == [(field, code)], fields
    assert await rows(store, "SELECT handle FROM catalog.products ORDER BY id") == [("a",), ("b",)]


async def test_product_delete_removes_it_and_says_so(api, store):
    p = await create(api, variants=[{"sku": "TT-1"}])
    q = "mutation($i: ID!) { productDelete(input: {id: $i}) { deletedProductId " + ERRORS + " } }"
    out = data(await as_staff(api, q, {"i": p["id"]}))["productDelete"]
    assert out == {"deletedProductId": p["id"], "userErrors": []}
    assert await rows(store, "SELECT count(*) FROM catalog.variants") == [(0,)]
    assert (await events(store))[-1] == ("catalog.ProductChanged.v1", "trail-tent", "deleted")
    again = data(await as_staff(api, q, {"i": p["id"]}))["productDelete"]
    assert again["deletedProductId"] is None
    assert [e["code"] for e in again["userErrors"]] == ["NOT_FOUND"]


# ---- variants

BULK = """
mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) {
  %s(productId: $p, variants: $v) {
    product { variants { nodes { sku } } }
    productVariants { id sku title price { amount } selectedOptions { name value } }
    userErrors { field message code }
  }
}"""


async def test_variants_bulk_create_update_delete(api, store):
    p = await create(api)  # with its standalone default variant
    made = data(
        await as_staff(
            api,
            BULK % "productVariantsBulkCreate",
            {"p": p["id"], "v": [
                {"sku": "S", "price": "10", "optionValues": [{"optionName": "Size", "name": "S"}]},
                {"sku": "M", "price": "11", "optionValues": [{"optionName": "Size", "name": "M"}]},
            ]},
        )
    )["productVariantsBulkCreate"]  # fmt: skip
    assert made["userErrors"] == []
    assert [v["sku"] for v in made["productVariants"]] == ["S", "M"]
    # the default variant gave way
    assert [v["sku"] for v in made["product"]["variants"]["nodes"]] == ["S", "M"]
    s_id, m_id = (v["id"] for v in made["productVariants"])

    # a new SKU and options keep the variant (same id); what is left out stays
    changed = data(
        await as_staff(
            api,
            BULK % "productVariantsBulkUpdate",
            {"p": p["id"], "v": [
                {"id": s_id, "sku": "S2", "optionValues": [{"optionName": "Size", "name": "Small"}]}
            ]},
        )
    )["productVariantsBulkUpdate"]  # fmt: skip
    assert changed["userErrors"] == []
    [v] = changed["productVariants"]
    assert (v["id"], v["sku"], v["title"], v["price"]["amount"]) == (s_id, "S2", "Small", "10.00")

    q = """mutation($p: ID!, $ids: [ID!]!) { productVariantsBulkDelete(productId: $p,
      variantsIds: $ids) { product { variants { nodes { sku } } } userErrors { field message code } } }"""
    out = data(await as_staff(api, q, {"p": p["id"], "ids": [m_id]}))
    assert out["productVariantsBulkDelete"]["product"]["variants"]["nodes"] == [{"sku": "S2"}]
    # the last variant stays: the importer's rule
    last = data(await as_staff(api, q, {"p": p["id"], "ids": [s_id]}))
    [err] = last["productVariantsBulkDelete"]["userErrors"]
    assert (err["code"], err["message"]) == ("INVALID", "a product needs at least one variant")
    assert [c for _, _, c in await events(store)] == ["created", "updated", "updated", "updated"]


async def test_variant_refusals_are_coded(api, store):
    p = await create(api, variants=[{"sku": "A", "price": "5"}])
    other = await create(api, title="Other", variants=[{"sku": "B", "price": "5"}])
    b_id = other["variants"]["nodes"][0]["id"]
    a_id = p["variants"]["nodes"][0]["id"]
    cases = [
        ("productVariantsBulkCreate", {"price": "-1", "optionValues": [{"optionName": "S",
         "name": "x"}]}, ["variants", "1", "price"], "INVALID"),
        ("productVariantsBulkCreate", {"sku": "B"}, ["variants", "sku"], "DUPLICATE_SKU"),
        ("productVariantsBulkCreate", {"sku": "A"}, ["variants", "1", "sku"], "INVALID"),
        ("productVariantsBulkUpdate", {"id": b_id, "price": "1"}, ["variants", "0", "id"],
         "NOT_FOUND"),
        ("productVariantsBulkUpdate", {"price": "1"}, ["variants", "0", "id"], "INVALID"),
        ("productVariantsBulkUpdate", {"id": a_id, "price": None}, ["variants", "0", "price"],
         "INVALID"),
        ("productVariantsBulkUpdate", {"id": a_id, "compareAtPrice": "1"},
         ["variants", "0", "compareAtPrice"], "INVALID"),
    ]  # fmt: skip
    for name, v, field, code in cases:
        out = data(await as_staff(api, BULK % name, {"p": p["id"], "v": [v]}))[name]
        assert [(e["field"], e["code"]) for e in out["userErrors"]] == [(field, code)], v
        assert out["productVariants"] is None
    missing = to_global_id("Product", 999)
    out = data(await as_staff(api, BULK % "productVariantsBulkCreate", {"p": missing, "v": [{}]}))
    assert [(e["field"], e["code"]) for e in out["productVariantsBulkCreate"]["userErrors"]] == [
        (["productId"], "NOT_FOUND")
    ]
    assert len(await events(store)) == 2  # the two creates, nothing since


async def test_a_product_holds_at_most_100_variants_and_huge_inputs_are_refused_fast(api, store):
    p = await create(api, variants=[{"sku": "V0"}])
    name = "productVariantsBulkCreate"
    hundred = [{"sku": f"V{i}"} for i in range(1, 101)]  # 1 + 100 = 101
    out = data(await as_staff(api, BULK % name, {"p": p["id"], "v": hundred}))[name]
    assert [(e["field"], e["code"]) for e in out["userErrors"]] == [
        (["variants"], "TOO_MANY_VARIANTS")
    ]

    start = time.perf_counter()
    await as_staff(api, BULK % name, {"p": p["id"], "v": [{"sku": "ONE"}]})
    baseline = time.perf_counter() - start
    huge = [{"sku": f"H{i}", "price": "1"} for i in range(10_000)]
    start = time.perf_counter()
    body = await as_staff(api, BULK % name, {"p": p["id"], "v": huge})
    took = time.perf_counter() - start
    assert [e["extensions"]["code"] for e in body["errors"]] == ["VARIABLES_TOO_LARGE"]
    assert took < 2 * baseline  # refused before any of it is parsed or written
    # 150 variants fit in the variables guard: the mutation refuses them before parsing
    many = [{"sku": f"M{i}"} for i in range(150)]
    out = data(await as_staff(api, BULK % name, {"p": p["id"], "v": many}))[name]
    assert [e["code"] for e in out["userErrors"]] == ["TOO_MANY_VARIANTS"]
    assert await rows(store, "SELECT count(*) FROM catalog.variants") == [(2,)]


async def test_two_mutations_in_one_document_each_answer_what_they_did(api, store):
    """The payloads load afresh: the second mutation's product is not the first one's,
    cached by this request's loaders."""
    p = await create(api, variants=[{"sku": "A"}])
    q = """mutation($p: ID!, $v: [ProductVariantsBulkInput!]!, $ids: [ID!]!) {
      a: productVariantsBulkCreate(productId: $p, variants: $v) {
        product { variants { nodes { sku } } } }
      b: productVariantsBulkDelete(productId: $p, variantsIds: $ids) {
        product { variants { nodes { sku } } } } }"""
    body = data(
        await as_staff(
            api, q, {"p": p["id"], "v": [{"sku": "B"}], "ids": [p["variants"]["nodes"][0]["id"]]}
        )
    )
    assert body["a"]["product"]["variants"]["nodes"] == [{"sku": "A"}, {"sku": "B"}]
    assert body["b"]["product"]["variants"]["nodes"] == [{"sku": "B"}]


async def test_concurrent_changes_to_one_product_lose_nothing(api, store):
    p = await create(api, variants=[{"sku": "A"}])
    name = "productVariantsBulkCreate"
    results = await asyncio.gather(
        *(as_staff(api, BULK % name, {"p": p["id"], "v": [{"sku": f"C{i}"}]}) for i in range(4))
    )
    assert all(data(r)[name]["userErrors"] == [] for r in results)
    skus = await rows(store, "SELECT sku FROM catalog.variants ORDER BY sku")
    assert skus == [("A",), ("C0",), ("C1",), ("C2",), ("C3",)]


async def test_concurrent_creates_of_one_handle_make_one_product(api, store):
    results = await asyncio.gather(
        *(as_staff(api, CREATE, {"input": {"title": "Same", "variants": [{"sku": f"S{i}"}]}})
          for i in range(3))
    )  # fmt: skip
    codes = sorted(e["code"] for r in results for e in data(r)["productCreate"]["userErrors"])
    assert codes == ["TAKEN", "TAKEN"]
    assert len(await rows(store, "SELECT id FROM catalog.products")) == 1
    assert [c for _, _, c in await events(store)] == ["created"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": None}, ["input", "title"]),
        ({"handle": None}, ["input", "handle"]),
        ({"status": None}, ["input", "status"]),
        ({"variants": [{"sku": "X", "weight": "NaN"}]}, ["input", "variants", "0", "weight"]),
        ({"variants": [{"sku": "X", "weight": "1e12"}]}, ["input", "variants", "0", "weight"]),
        ({"variants": [{"sku": "X", "price": "Infinity"}]}, ["input", "variants", "0", "price"]),
    ],
)
async def test_nulls_and_odd_numbers_are_user_errors_never_500s(api, store, fields, field):
    p = await create(api, variants=[{"sku": "A"}])
    out = data(await as_staff(api, UPDATE, {"input": {"id": p["id"], **fields}}))
    assert [(e["field"], e["code"]) for e in out["productUpdate"]["userErrors"]] == [
        (field, "INVALID")
    ]


# ---- images

IMAGES_ADD = """mutation($p: ID!, $i: [ImageInput!]!) { productImagesAdd(productId: $p, images: $i)
  { images { id altText } product { images { nodes { id altText } } } userErrors { field message code } } }"""


async def test_images_add_remove_reorder_keep_ids(api, store):
    p = await create(api)
    imgs = [{"url": f"/img/{n}.jpg", "altText": n} for n in "abc"]
    out = data(await as_staff(api, IMAGES_ADD, {"p": p["id"], "i": imgs}))["productImagesAdd"]
    assert [i["altText"] for i in out["images"]] == ["a", "b", "c"]
    a, b, c = (i["id"] for i in out["images"])

    q = """mutation($p: ID!, $ids: [ID!]!) { productImagesReorder(productId: $p, imageIds: $ids)
      { images { id } userErrors { field message code } } }"""
    out = data(await as_staff(api, q, {"p": p["id"], "ids": [c]}))["productImagesReorder"]
    assert [i["id"] for i in out["images"]] == [c, a, b]

    q = """mutation($p: ID!, $i: ID!) { productImageRemove(productId: $p, imageId: $i)
      { deletedImageId product { images { nodes { id } } } userErrors { field message code } } }"""
    out = data(await as_staff(api, q, {"p": p["id"], "i": a}))["productImageRemove"]
    assert out["deletedImageId"] == a
    assert [i["id"] for i in out["product"]["images"]["nodes"]] == [c, b]
    again = data(await as_staff(api, q, {"p": p["id"], "i": a}))["productImageRemove"]
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [(["imageId"], "NOT_FOUND")]

    bad = data(
        await as_staff(api, IMAGES_ADD, {"p": p["id"], "i": [{"url": "javascript:alert(1)"}]})
    )["productImagesAdd"]
    assert [(e["field"], e["code"]) for e in bad["userErrors"]] == [
        (["images", "2", "url"], "INVALID")
    ]
    assert [c for _, _, c in await events(store)] == ["created", "updated", "updated", "updated"]


# ---- categories

CAT_CREATE = """mutation($input: CategoryInput!) { categoryCreate(input: $input)
  { category { id handle title description parent { title } } userErrors { field message code } } }"""


async def category(api: Any, title: str, parent: str | None = None) -> dict:
    fields = {"title": title, **({"parentId": parent} if parent else {})}
    out = data(await as_staff(api, CAT_CREATE, {"input": fields}))["categoryCreate"]
    assert out["userErrors"] == []
    return out["category"]


async def test_categories_create_update_delete(api, store):
    home = await category(api, "Home")
    kitchen = await category(api, "Kitchen", home["id"])
    assert (kitchen["handle"], kitchen["parent"]) == ("home-kitchen", {"title": "Home"})

    dup = data(
        await as_staff(api, CAT_CREATE, {"input": {"title": "kitchen", "parentId": home["id"]}})
    )
    assert [(e["field"], e["code"]) for e in dup["categoryCreate"]["userErrors"]] == [
        (["input", "title"], "TAKEN")
    ]
    orphan = {"title": "X", "parentId": to_global_id("Category", 999)}
    out = data(await as_staff(api, CAT_CREATE, {"input": orphan}))["categoryCreate"]
    assert [(e["field"], e["code"]) for e in out["userErrors"]] == [
        (["input", "parentId"], "NOT_FOUND")
    ]

    q = """mutation($input: CategoryInput!) { categoryUpdate(input: $input)
      { category { handle title description } userErrors { field message code } } }"""
    out = data(await as_staff(api, q, {"input": {"id": kitchen["id"], "title": "Cooking"}}))
    assert out["categoryUpdate"]["category"] == {
        "handle": "home-kitchen", "title": "Cooking", "description": None
    }  # fmt: skip

    # delete refuses a category with children or products, with a code
    p = await create(api, categoryId=kitchen["id"])
    d = "mutation($i: ID!) { categoryDelete(input: {id: $i}) { deletedCategoryId " + ERRORS + " } }"
    for cid, code in ((home["id"], "HAS_CHILDREN"), (kitchen["id"], "HAS_PRODUCTS")):
        out = data(await as_staff(api, d, {"i": cid}))["categoryDelete"]
        assert (out["deletedCategoryId"], [e["code"] for e in out["userErrors"]]) == (None, [code])
    await as_staff(api, UPDATE, {"input": {"id": p["id"], "categoryId": None}})
    out = data(await as_staff(api, d, {"i": kitchen["id"]}))["categoryDelete"]
    assert out == {"deletedCategoryId": kitchen["id"], "userErrors": []}
    assert [e for e in await events(store) if e[0] == "catalog.CategoryChanged.v1"] == [
        ("catalog.CategoryChanged.v1", "home", "created"),
        ("catalog.CategoryChanged.v1", "home-kitchen", "created"),
        ("catalog.CategoryChanged.v1", "home-kitchen", "updated"),
        ("catalog.CategoryChanged.v1", "home-kitchen", "deleted"),
    ]


# ---- one set of rules with the importer


@pytest.mark.parametrize(
    ("csv", "fields"),
    [
        ("handle,title,sku,price\nBad_Handle,Bad,B-1,5.00\n",
         {"handle": "Bad_Handle", "variants": [{"sku": "B-1"}]}),
        ('{"handle": "bad", "title": "Bad", "variants": [{"sku": "B-1", "price": "5", '
         '"options": {"A": "1", "B": "2", "C": "3", "D": "4"}}]}\n',
         {"handle": "bad", "variants": [{"sku": "B-1", "optionValues": [
             {"optionName": n, "name": "1"} for n in "ABCD"]}]}),
        ("handle,title,sku,price,compare_at_price\nbad,Bad,B-1,5.00,4.00\n",
         {"handle": "bad", "variants": [{"sku": "B-1", "price": "5", "compareAtPrice": "4"}]}),
    ],
)  # fmt: skip
async def test_the_importer_and_the_mutation_refuse_alike(api, store, tmp_path: Path, csv, fields):
    f = tmp_path / ("bad.jsonl" if csv.startswith("{") else "bad.csv")
    f.write_text(csv)
    report = await import_file(store, f)
    [refused] = {e.reason for e in report.errors}
    out = data(await as_staff(api, CREATE, {"input": {"title": "Bad", **fields}}))
    [err] = out["productCreate"]["userErrors"]
    # the same rule's words (JSON Lines names the field before them)
    assert refused.split(": ", 1)[-1] == err["message"]
    assert await rows(store, "SELECT count(*) FROM catalog.products") == [(0,)]


async def test_a_product_the_mutation_wrote_exports_and_reimports_unchanged(api, store, tmp_path):
    p = await create(api, variants=[{"sku": "RT-1", "price": "3.50"}], tags=["x"])
    f = tmp_path / "out.jsonl"
    await catalog.export_file(store, f)
    report = await import_file(store, f)
    assert (report.created, report.updated, report.errors) == (0, 1, [])
    again = data(await as_staff(api, "query($h: String) { product(handle: $h) { tags variants "
                                     "{ nodes { id sku price { amount } } } } }",
                                {"h": p["handle"]}))["product"]  # fmt: skip
    assert again["variants"] == {
        "nodes": [
            {"id": p["variants"]["nodes"][0]["id"], "sku": "RT-1", "price": {"amount": "3.50"}}
        ]
    }
    assert Decimal(again["variants"]["nodes"][0]["price"]["amount"]) == Decimal("3.50")


# ---- who may


MUTATIONS = {
    "productCreate": 'productCreate(input: {title: "x"}) { userErrors { code } }',
    "productUpdate": 'productUpdate(input: {id: "gid://emporium/Product/1"}) { userErrors { code } }',
    "productDelete": 'productDelete(input: {id: "gid://emporium/Product/1"}) { userErrors { code } }',
    "productVariantsBulkCreate": 'productVariantsBulkCreate(productId: "gid://emporium/Product/1", '
    "variants: [{}]) { userErrors { code } }",
    "productVariantsBulkUpdate": 'productVariantsBulkUpdate(productId: "gid://emporium/Product/1", '
    "variants: [{}]) { userErrors { code } }",
    "productVariantsBulkDelete": 'productVariantsBulkDelete(productId: "gid://emporium/Product/1", '
    "variantsIds: []) { userErrors { code } }",
    "productImagesAdd": 'productImagesAdd(productId: "gid://emporium/Product/1", images: []) '
    "{ userErrors { code } }",
    "productImageRemove": 'productImageRemove(productId: "gid://emporium/Product/1", '
    'imageId: "gid://emporium/ProductImage/1") { userErrors { code } }',
    "productImagesReorder": 'productImagesReorder(productId: "gid://emporium/Product/1", '
    "imageIds: []) { userErrors { code } }",
    "categoryCreate": 'categoryCreate(input: {title: "x"}) { userErrors { code } }',
    "categoryUpdate": 'categoryUpdate(input: {id: "gid://emporium/Category/1"}) { userErrors { code } }',
    "categoryDelete": 'categoryDelete(input: {id: "gid://emporium/Category/1"}) { userErrors { code } }',
}


def test_every_catalog_mutation_is_covered_here():
    names = {SCHEMA.config.name_converter.get_graphql_name(f) for f in CATALOG_FIELDS}
    assert names == set(MUTATIONS)
    assert names <= set(SCHEMA._schema.mutation_type.fields)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
async def test_anonymous_callers_are_refused_over_http(api, store, name):
    r = await api.query(f"mutation {{ {MUTATIONS[name]} }}")
    assert r.codes == ["UNAUTHENTICATED"]
    assert r.body["data"] is None
    assert await events(store) == []


@pytest.mark.parametrize("name", sorted(MUTATIONS))
async def test_staff_without_the_permission_are_forbidden(api, store, name):
    runtime = api.http._transport.app.state.runtime
    ctx = Context(runtime=runtime, viewer=Viewer("staff", 2, frozenset({"MANAGE_ORDERS"})))
    result = await SCHEMA.execute(f"mutation {{ {MUTATIONS[name]} }}", context_value=ctx)
    body = format_result(result, "test")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_a_category_moves_with_everything_below_it(api, store):
    home = await category(api, "Home")
    garden = await category(api, "Garden")
    kitchen = await category(api, "Kitchen", home["id"])
    knives = await category(api, "Knives", kitchen["id"])
    await category(api, "Kitchen", garden["id"])
    p = await create(api, categoryId=knives["id"])
    q = """mutation($input: CategoryInput!) { categoryUpdate(input: $input)
      { category { handle level parent { title } } userErrors { field code } } }"""

    def refused(out: dict) -> list:
        return [(e["field"], e["code"]) for e in out["categoryUpdate"]["userErrors"]]

    moved = data(await as_staff(api, q, {"input": {"id": home["id"], "parentId": knives["id"]}}))
    assert refused(moved) == [(["input", "parentId"], "INVALID")]  # never below itself
    taken = data(await as_staff(api, q, {"input": {"id": kitchen["id"], "parentId": garden["id"]}}))
    assert refused(taken) == [(["input", "title"], "TAKEN")]  # Garden has a Kitchen

    out = data(await as_staff(api, q, {"input": {"id": kitchen["id"], "parentId": None}}))
    assert out["categoryUpdate"]["category"] == {
        "handle": "home-kitchen", "level": 0, "parent": None
    }  # fmt: skip
    look = """query($id: ID!) { category(id: $id) { level parent { title } products { nodes { id } } } }"""
    k = data(await as_staff(api, look, {"id": knives["id"]}))["category"]
    assert (k["level"], k["parent"]) == (1, {"title": "Kitchen"})
    # the product now lists under the moved tree, no longer under Home
    listed = data(await as_staff(api, look, {"id": kitchen["id"]}))["category"]
    assert listed["products"]["nodes"] == [{"id": p["id"]}]
    assert data(await as_staff(api, look, {"id": home["id"]}))["category"]["products"] == {
        "nodes": []
    }


async def test_product_update_with_variants_lists_the_products_variants(api, store):
    p = await create(api, variants=[{"sku": "A", "price": "1"}, {"sku": "B", "price": "2"}])
    a_id = p["variants"]["nodes"][0]["id"]
    fields = {"id": p["id"], "variants": [{"id": a_id, "price": "5"}, {"sku": "C", "price": "3"}]}
    q = data(await as_staff(api, UPDATE, {"input": fields}))["productUpdate"]["product"]
    got = [(v["id"] == a_id, v["sku"], v["price"]["amount"]) for v in q["variants"]["nodes"]]
    assert got == [(True, "A", "5.00"), (False, "C", "3.00")]  # B is gone, A kept its id


async def test_the_readme_example_works(api, store):
    readme = (Path(__file__).parents[3] / "README.md").read_text()
    section = readme.split("## Staff catalog mutations", 1)[1]
    example = section.split("```graphql", 1)[1].split("```", 1)[0]
    out = data(await as_staff(api, example))["productCreate"]
    assert out["userErrors"] == []
    assert out["product"]["handle"] == "trail-tent"


NUL = "bad\x00text"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (CREATE, {"input": {"title": NUL}}),
        (CREATE, {"input": {"title": "t", "tags": [NUL]}}),
        (CREATE, {"input": {"title": "t", "vendor": NUL}}),
        (CREATE, {"input": {"title": "t", "attributes": [{"name": NUL, "value": "x"}]}}),
        (CREATE, {"input": {"title": "t", "variants": [{"sku": NUL}]}}),
        (CREATE, {"input": {"title": "t", "variants": [{"price": "1e400"}]}}),
        (CREATE, {"input": {"title": "t", "variants": [{"weight": "-0.0001"}]}}),
        (CREATE, {"input": {"title": "t", "variants": [{"weight": "999999999.9999"}]}}),
        (CREATE, {"input": {"title": "t", "variants": [{"optionValues": [
            {"optionName": NUL, "name": NUL}]}]}}),
        (CREATE, {"input": {"title": "t" * 100_000}}),
        (CREATE, {"input": {"title": "t", "handle": "t" * 256}}),
        (CAT_CREATE, {"input": {"title": "t" * 256}}),
        (CAT_CREATE, {"input": {"title": NUL}}),
        (CAT_CREATE, {"input": {"title": "★★", "description": NUL}}),
        (IMAGES_ADD, {"p": to_global_id("Product", 1), "i": [{"url": "/" + NUL}]}),
        (IMAGES_ADD, {"p": "gid://emporium/Product/99999999999999999999", "i": []}),
    ],
)  # fmt: skip
async def test_hostile_values_are_answered_never_500(api, store, query, variables):
    await create(api, handle="p1")  # Product/1 after the clean catalog
    body = await as_staff(api, query, variables)
    codes = [e["extensions"]["code"] for e in body.get("errors") or ()]
    codes += [e["code"] for out in (body["data"] or {}).values() for e in out["userErrors"]]
    assert codes and "INTERNAL_SERVER_ERROR" not in codes, body


async def test_a_variant_that_changes_colour_no_longer_matches_the_old_one(api, store):
    color = [{"optionName": "Color", "name": c} for c in ("Red", "Blue")]
    p = await create(
        api,
        attributes=[{"name": "Material", "value": "Wool"}],
        variants=[
            {"sku": "R", "optionValues": [color[0]]},
            {"sku": "B", "optionValues": [color[1]]},
        ],
    )
    red = p["variants"]["nodes"][0]["id"]
    name = "productVariantsBulkUpdate"
    green = [{"id": red, "optionValues": [{"optionName": "Color", "name": "Green"}]}]
    assert (
        data(await as_staff(api, BULK % name, {"p": p["id"], "v": green}))[name]["userErrors"] == []
    )
    q = """query($n: String!, $v: String!) {
      products(filter: {attributes: [{name: $n, value: $v}]}) { totalCount } }"""
    counts = {
        v: data(await as_staff(api, q, {"n": n, "v": v}))["products"]["totalCount"]
        for n, v in (("Color", "Red"), ("Color", "Green"), ("Color", "Blue"), ("Material", "Wool"))
    }
    assert counts == {"Red": 0, "Green": 1, "Blue": 1, "Wool": 1}


async def test_variant_mutations_cost_the_same_statements_for_1_or_99_variants(api, store):
    """Set-based like the importer: no statement per variant."""
    counts = []
    for n in (1, 99):
        p = await create(api, handle=f"m{n}", variants=[{"sku": f"M{n}-0"}])
        v = [{"sku": f"M{n}-{i + 1}", "price": "1"} for i in range(n)]
        with api.count_statements() as made:
            out = await as_staff(api, BULK % "productVariantsBulkCreate", {"p": p["id"], "v": v})
        ids = [x["id"] for x in data(out)["productVariantsBulkCreate"]["productVariants"]]
        changes = [{"id": i, "price": "2"} for i in ids]
        with api.count_statements() as changed:
            out = await as_staff(
                api, BULK % "productVariantsBulkUpdate", {"p": p["id"], "v": changes}
            )
        assert data(out)["productVariantsBulkUpdate"]["userErrors"] == []
        counts.append((len(made), len(changed)))
    assert counts[0] == counts[1], counts
