"""`emporium serve` (two worker processes) with the carts on a Redis of the test's own,
killed mid-test: over real HTTP, carts keep answering and taking lines from Postgres, and
everything is there once Redis is back (empty)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from app.platform.ids import to_global_id
from tests.e2e.conftest import serve
from tests.fixtures.redis_server import OwnRedis
from tests.integration.cart.conftest import Products
from tests.integration.cart.test_cart_api import ADD, CREATE, READ, qty

pytestmark = pytest.mark.e2e


def _post(url: str, query: str, variables: dict) -> dict:
    r = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables}, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert not body.get("errors"), body
    return body["data"]


async def test_carts_survive_their_redis_dying(services, db, tmp_path):
    products = await Products.make(db, ["10.00", "2.50", "7.25"])
    v = [to_global_id("ProductVariant", i) for i in products.ids]
    own = OwnRedis()
    own.start()
    env = {
        **services.env(),
        "LOG_LEVEL": "WARNING",
        "CART_REDIS_URL": own.url,
        "CART_REDIS_RETRY": "0.2",
    }
    try:
        with serve(["--workers", "2"], env, tmp_path / "serve.log") as server:

            def call(query: str, variables: dict) -> dict:
                return _post(server.url, query, variables)

            made = await asyncio.to_thread(
                call, CREATE, {"input": {"lines": [{"merchandiseId": v[0], "quantity": 2}]}}
            )
            cid = made["cartCreate"]["cart"]["id"]
            await asyncio.to_thread(call, ADD, {"id": cid, "lines": [{"merchandiseId": v[1]}]})
            own.stop()
            # several reads and a write: both server processes meet the dead Redis
            for _ in range(4):
                c = (await asyncio.to_thread(call, READ, {"id": cid}))["cart"]
                assert qty(c) == {v[0]: 2, v[1]: 1}
            p = (
                await asyncio.to_thread(
                    call, ADD, {"id": cid, "lines": [{"merchandiseId": v[2], "quantity": 3}]}
                )
            )["cartLinesAdd"]
            assert p["userErrors"] == [] and qty(p["cart"]) == {v[0]: 2, v[1]: 1, v[2]: 3}
            metrics = httpx.get(f"{server.url}/metrics", timeout=10).text
            assert "emporium_cart_redis_up" in metrics

            own.start()  # back, with nothing in it
            time.sleep(0.5)
            for _ in range(4):
                c = (await asyncio.to_thread(call, READ, {"id": cid}))["cart"]
                assert qty(c) == {v[0]: 2, v[1]: 1, v[2]: 3}
        assert "Traceback" not in server.output(), server.output()[-3000:]
    finally:
        own.cleanup()
