"""The response cache across replicas: two `emporium serve` processes with a `worker` and a
`relay` on the real services. Hits and misses, a product update made through one replica
seen on the other within a second (tag invalidation over Redis pub/sub), and nothing
personal ever cached."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack

import httpx
import pytest

from app.domains import customers
from tests.e2e.conftest import ROOT, serve
from tests.fixtures.catalog_data import load_small_catalog

pytestmark = pytest.mark.e2e

PRODUCT = "query P($h: String!) { product(handle: $h) { id title } }"
LISTING = "{ products(first: 3) { nodes { handle title } } }"
HANDLE = "test-product-001"
PASSWORD = "correct-horse-battery-9"


@pytest.fixture(scope="module")
async def loaded(db):
    await load_small_catalog(db)


def post(url: str, query: str, variables: dict | None = None, token: str | None = None):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        f"{url}/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


def start(cmd: str, env: dict[str, str], log) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", cmd],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def test_hits_misses_and_an_update_seen_on_another_replica_within_a_second(
    services, db, loaded, tmp_path
):
    email = f"cache-{uuid.uuid4().hex[:8]}@example.com"
    async with db.uow(customers.CONTEXT) as uow:
        await customers.create_staff(uow, email, PASSWORD, ["MANAGE_PRODUCTS"])
        await uow.commit()
    env = {
        **services.env(),
        "LOG_LEVEL": "WARNING",
        "QUEUE_PREFIX": f"{services.queue_prefix}rc{uuid.uuid4().hex[:6]}-",
        "RESPONSE_CACHE_TTL": "60",
    }
    procs = [
        start("worker", env, tmp_path / "worker.log"),
        start("relay", env, tmp_path / "relay.log"),
    ]
    try:
        with ExitStack() as stack:
            a = stack.enter_context(serve([], env, tmp_path / "a.log"))
            b = stack.enter_context(serve([], env, tmp_path / "b.log"))
            r = post(
                a.url,
                "mutation($i: StaffAccessTokenCreateInput!) { staffAccessTokenCreate(input: $i) "
                "{ staffAccessToken { accessToken } userErrors { code } } }",
                {"i": {"email": email, "password": PASSWORD}},
            )
            token = r.json()["data"]["staffAccessTokenCreate"]["staffAccessToken"]["accessToken"]

            # miss on A, then a hit on A (its LRU) and on B (Redis)
            first = post(a.url, PRODUCT, {"h": HANDLE})
            assert "x-cache" not in first.headers
            product = first.json()["data"]["product"]
            assert post(a.url, PRODUCT, {"h": HANDLE}).headers.get("x-cache") == "HIT"
            hit = post(b.url, PRODUCT, {"h": HANDLE})
            assert hit.headers.get("x-cache") == "HIT"
            assert hit.json()["data"] == first.json()["data"]
            # other variables, another entry
            assert "x-cache" not in post(b.url, PRODUCT, {"h": "test-product-002"}).headers
            listing = post(b.url, LISTING).json()["data"]
            assert post(b.url, LISTING).headers.get("x-cache") == "HIT"
            assert post(a.url, LISTING).headers.get("x-cache") == "HIT"

            # nothing personal: a request with a token is neither answered from nor stored in
            # the cache; the customer's own field is never cached even when anonymous
            signed_in = post(a.url, PRODUCT, {"h": HANDLE}, token)
            assert signed_in.status_code == 200 and "x-cache" not in signed_in.headers
            personal = '{ customer(customerAccessToken: "nobody") { email } }'
            for _ in range(2):
                r = post(a.url, personal)
                assert r.status_code == 200 and "x-cache" not in r.headers, r.text
            staff = "{ staffMe { email } }"
            for _ in range(2):
                r = post(a.url, staff, token=token)
                assert r.json()["data"]["staffMe"]["email"] == email
                assert "x-cache" not in r.headers

            # a product update through A is seen on B within a second
            update = post(
                a.url,
                "mutation($i: ProductInput!) { productUpdate(input: $i) "
                "{ product { title } userErrors { code message } } }",
                {"i": {"id": product["id"], "title": "Renamed through A"}},
                token,
            )
            assert not update.json()["data"]["productUpdate"]["userErrors"], update.text
            changed = time.monotonic()
            seen = None
            while time.monotonic() - changed < 10:
                r = post(b.url, PRODUCT, {"h": HANDLE})
                if r.json()["data"]["product"]["title"] == "Renamed through A":
                    seen = time.monotonic() - changed
                    break
                await asyncio.sleep(0.02)
            print(f"\nthe update was seen on the other replica after {seen} s")
            assert seen is not None and seen <= 1.0, seen
            # so are the listings that held it; the other product's entry is untouched
            for replica in (a, b):
                nodes = post(replica.url, LISTING).json()["data"]["products"]["nodes"]
                assert [n["handle"] for n in nodes] == [
                    n["handle"] for n in listing["products"]["nodes"]
                ]
                for n in nodes:
                    if n["handle"] == HANDLE:
                        assert n["title"] == "Renamed through A"
            assert post(b.url, PRODUCT, {"h": "test-product-002"}).headers.get("x-cache") == "HIT"
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        codes = [p.wait(timeout=30) for p in procs]
    assert codes == [0, 0], codes
