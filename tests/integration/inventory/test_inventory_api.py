"""Inventory over the API: shoppers' availability, staff stock mutations and levels."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis.asyncio import Redis

from app.domains import inventory
from app.platform.db import Database
from tests.fixtures.api import ApiClient
from tests.fixtures.catalog_data import load_small_catalog
from tests.integration.customers.helpers import (
    as_bearer,
    no_secrets_in_logs,  # noqa: F401 (fixture)
    sign_up,
    staff_account,
)
from tests.integration.inventory.conftest import hot_key, inv_scope

pytestmark = [pytest.mark.usefixtures("no_secrets_in_logs", "fresh_throttles")]

PRODUCT = """query($h: String!) { product(handle: $h) { availableForSale
  variants { nodes { id availableForSale quantityAvailable } } } }"""
ADJUST = """mutation($i: InventoryAdjustInput!) { inventoryAdjust(input: $i) {
  inventoryLevel { variantId onHand reserved available warehouse { code } }
  userErrors { field message code } } }"""
SET = """mutation($i: InventorySetInput!) { inventorySet(input: $i) {
  inventoryLevel { onHand reserved available } userErrors { field code } } }"""
LEVELS = """query($after: String) { inventoryLevels(first: 1, after: $after) {
  nodes { variantId onHand } totalCount pageInfo { hasNextPage endCursor } } }"""


async def _product(api: ApiClient, handle: str) -> dict:  # type: ignore[type-arg]
    r = await api.query(PRODUCT, {"h": handle})
    assert r.errors == [], r.errors
    return r.data["product"]  # type: ignore[no-any-return]


@pytest.fixture
async def shop(api: ApiClient, inv: Database) -> ApiClient:
    await load_small_catalog(inv)
    return api


async def test_staff_stock_changes_show_to_shoppers(shop: ApiClient, redis: Redis) -> None:
    api = shop
    assert api.db is not None
    staff = await staff_account(api, api.db, ["MANAGE_INVENTORY"])
    before = await _product(api, "test-product-001")
    assert before["availableForSale"] is False
    variants = before["variants"]["nodes"]
    assert [v["quantityAvailable"] for v in variants] == [0, 0]
    first, second = variants[0]["id"], variants[1]["id"]

    r = await as_bearer(
        api,
        staff.access_token,
        ADJUST,
        {"i": {"variantId": first, "delta": 5, "reason": "delivery"}},
    )
    level = r.data["inventoryAdjust"]
    assert level["userErrors"] == []
    assert level["inventoryLevel"] == {
        "variantId": first,
        "onHand": 5,
        "reserved": 0,
        "available": 5,
        "warehouse": {"code": "default"},
    }
    # the hot count moved with the commit: no wait, no stale read
    vid = int(first.rsplit("/", 1)[1])
    raw = await redis.get(hot_key(await inv_scope(api.db), vid))
    assert raw is not None and raw.endswith(b":5")
    after = await _product(api, "test-product-001")
    assert after["availableForSale"] is True
    assert [v["quantityAvailable"] for v in after["variants"]["nodes"]] == [5, 0]
    assert [v["availableForSale"] for v in after["variants"]["nodes"]] == [True, False]

    r = await as_bearer(
        api, staff.access_token, SET, {"i": {"variantId": first, "quantity": 2, "reason": "count"}}
    )
    assert r.data["inventorySet"]["inventoryLevel"] == {"onHand": 2, "reserved": 0, "available": 2}

    # a checkout holds one: staff cannot count below what is held
    async with api.db.uow(inventory.CONTEXT) as uow:
        await inventory.reserve(uow, "api-saga", [(vid, 2)], timedelta(minutes=5), redis=redis)
    assert [
        v["quantityAvailable"]
        for v in (await _product(api, "test-product-001"))["variants"]["nodes"]
    ] == [0, 0]
    r = await as_bearer(
        api, staff.access_token, SET, {"i": {"variantId": first, "quantity": 1, "reason": "count"}}
    )
    assert r.data["inventorySet"] == {
        "inventoryLevel": None,
        "userErrors": [{"field": ["input", "delta"], "code": "BELOW_RESERVED"}],
    }
    r = await as_bearer(
        api, staff.access_token, ADJUST, {"i": {"variantId": second, "delta": -1, "reason": "x"}}
    )
    assert [e["code"] for e in r.data["inventoryAdjust"]["userErrors"]] == ["INVALID_QUANTITY"]
    for bad, code in (
        ("gid://emporium/ProductVariant/999999", "NOT_FOUND"),
        ("gid://emporium/Product/1", "INVALID_ID"),
    ):
        r = await as_bearer(
            api, staff.access_token, ADJUST, {"i": {"variantId": bad, "delta": 1, "reason": "x"}}
        )
        errors = r.data["inventoryAdjust"]["userErrors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, ["input", "variantId"])], r.body
    r = await as_bearer(
        api, staff.access_token, ADJUST, {"i": {"variantId": second, "delta": 1, "reason": "  "}}
    )
    assert [e["code"] for e in r.data["inventoryAdjust"]["userErrors"]] == ["INVALID_QUANTITY"]

    # staff read the levels page by page
    seen, after_cursor = [], None
    for _ in range(3):
        r = await as_bearer(api, staff.access_token, LEVELS, {"after": after_cursor})
        conn = r.data["inventoryLevels"]
        assert conn["totalCount"] == 2
        seen += conn["nodes"]
        after_cursor = conn["pageInfo"]["endCursor"]
        if not conn["pageInfo"]["hasNextPage"]:
            break
    # the refused adjustment left the second variant's row at zero, nothing more
    assert seen == [{"variantId": first, "onHand": 2}, {"variantId": second, "onHand": 0}]
    async with api.db.reader(inventory.CONTEXT) as uow:
        assert await inventory.check(uow) == []


async def test_only_inventory_managers_change_stock(shop: ApiClient) -> None:
    api = shop
    assert api.db is not None
    variant = (await _product(api, "test-product-000"))["variants"]["nodes"][0]["id"]
    call = {"i": {"variantId": variant, "delta": 3, "reason": "theft"}}
    other_staff = await staff_account(api, api.db, ["MANAGE_PRODUCTS", "MANAGE_ORDERS"])
    customer = await sign_up(api)
    for token, code in (
        (None, "UNAUTHENTICATED"),
        (customer.access_token, "FORBIDDEN"),
        (other_staff.access_token, "FORBIDDEN"),
    ):
        r = await as_bearer(api, token, ADJUST, call)
        assert r.codes == [code], r.body
        r = await as_bearer(api, token, LEVELS)
        assert r.codes == [code], r.body
    assert (await _product(api, "test-product-000"))["variants"]["nodes"][0][
        "quantityAvailable"
    ] == 0


async def test_stale_or_missing_hot_counts_never_win(inv: Database, redis: Redis) -> None:
    """A reader filling a miss with an older figure cannot overwrite a newer one, and a
    write that never reached Redis is re-published by the sweeper."""
    async with inv.uow(inventory.CONTEXT) as uow:
        await inventory.set_on_hand(uow, 77, 9, "count", actor="t", redis=redis)
    raw = await redis.get(hot_key(await inv_scope(inv), 77))
    assert raw is not None
    version = int(raw.split(b":")[0])
    # an older figure arriving late is refused
    from app.domains.inventory.service import hot  # test-only reach into the context

    await hot.publish(redis, await inv_scope(inv), {77: (1, version - 1)})
    assert await redis.get(hot_key(await inv_scope(inv), 77)) == raw
    # a change made without Redis: the sweeper's refresh puts the new figure there
    async with inv.uow(inventory.CONTEXT) as uow:
        await inventory.adjust(uow, 77, -4, "damaged", actor="t")
    assert await redis.get(hot_key(await inv_scope(inv), 77)) == raw  # stale until the sweep
    await inventory.release_expired(inv, redis=redis)
    async with inv.reader(inventory.CONTEXT) as uow:
        assert await inventory.available_quantities(uow, [77], redis=redis) == {77: 5}
    # a miss reads Postgres and fills Redis
    await redis.delete(hot_key(await inv_scope(inv), 77))
    async with inv.reader(inventory.CONTEXT) as uow:
        assert await inventory.available_quantities(uow, [77], redis=redis) == {77: 5}
    assert (await redis.get(hot_key(await inv_scope(inv), 77)) or b"").endswith(b":5")


LISTING = """{ products(first: 20) { nodes { availableForSale
  variants { nodes { availableForSale quantityAvailable } } } } }"""


async def test_listing_availability_is_batched_and_served_from_redis(
    shop: ApiClient, redis: Redis
) -> None:
    """Twenty products' availability: at most one inventory statement (the Redis misses),
    then none at all once the hot counts are in Redis."""
    api = shop
    with api.count_statements() as cold:
        r = await api.query(LISTING)
    assert r.errors == []
    assert len([s for s in cold if "inventory." in s]) == 1
    with api.count_statements() as warm:
        r = await api.query(LISTING)
    assert [s for s in warm if "inventory." in s] == []
    nodes = r.data["products"]["nodes"]
    assert len(nodes) == 20 and not any(n["availableForSale"] for n in nodes)
