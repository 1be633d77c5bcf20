"""Cost-based rate limits across replicas: two `emporium serve` processes on the real Redis
share one budget per client; over it, 429 THROTTLED with Retry-After; the budget refills
at its restore rate; another client is served meanwhile (its p99 is printed)."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
import uuid
from contextlib import ExitStack

import httpx
import pytest

from tests.e2e.conftest import serve
from tests.fixtures.catalog_data import load_small_catalog

pytestmark = pytest.mark.e2e

# costs 281: a budget holds 7 of them, and one comes back every 1.4 s
LISTING = "{ products(first: 20) { nodes { title handle variants(first: 5) { nodes { sku } } } } }"
CAPACITY = 2_000
CHEAP = "{ products(first: 1) { nodes { title } } }"
RESTORE = 200.0  # points a second


@pytest.fixture(scope="module")
async def loaded(db):
    await load_small_catalog(db)


def env_for(services, **extra: str) -> dict[str, str]:
    return {
        **services.env(),
        "LOG_LEVEL": "WARNING",
        # a prefix of its own: buckets left by other tests of this run are not ours
        "QUEUE_PREFIX": f"{services.queue_prefix}rl{uuid.uuid4().hex[:6]}-",
        "RATE_LIMIT_CAPACITY": str(CAPACITY),
        "RATE_LIMIT_RESTORE_RATE": str(RESTORE),
        **extra,
    }


def post(url: str, query: str, token: str | None = None, variables: dict | None = None):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        f"{url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=30,
    )


def sign_up(url: str) -> str:
    email, password = f"rl-{uuid.uuid4().hex[:8]}@example.com", "correct-horse-battery-9"
    r = post(
        url,
        "mutation($i: CustomerCreateInput!) { customerCreate(input: $i) { customerUserErrors { code } } }",
        variables={"i": {"email": email, "password": password}},
    )
    assert r.status_code == 200 and r.json()["data"], r.text
    assert not r.json()["data"]["customerCreate"]["customerUserErrors"], r.text
    r = post(
        url,
        "mutation($i: CustomerAccessTokenCreateInput!) { customerAccessTokenCreate(input: $i) "
        "{ customerAccessToken { accessToken } customerUserErrors { code } } }",
        variables={"i": {"email": email, "password": password}},
    )
    return r.json()["data"]["customerAccessTokenCreate"]["customerAccessToken"]["accessToken"]


async def test_two_replicas_share_one_budget_throttle_and_recover(services, loaded, tmp_path):
    with ExitStack() as stack:
        env = env_for(services)
        a = stack.enter_context(serve([], env, tmp_path / "a.log"))
        b = stack.enter_context(serve([], env, tmp_path / "b.log"))
        token = await asyncio.to_thread(sign_up, a.url)  # before the IP's budget is spent

        # every answer reports Shopify's cost figures
        first = await asyncio.to_thread(post, a.url, LISTING)
        cost = first.json()["extensions"]["cost"]
        c = cost["requestedQueryCost"]
        assert c > 1 and cost["actualQueryCost"] == c
        status = cost["throttleStatus"]
        assert status["maximumAvailable"] == CAPACITY and status["restoreRate"] == RESTORE
        assert status["currentlyAvailable"] == pytest.approx(CAPACITY - c, abs=RESTORE)

        # spend the budget alternating between the replicas: together they allow one budget
        def exhaust() -> tuple[int, httpx.Response, float]:
            started = time.monotonic()
            ok = 1
            for i in range(200):
                r = post((a, b)[i % 2].url, LISTING)
                if r.status_code == 429:
                    return ok, r, time.monotonic() - started
                assert r.status_code == 200, r.text
                ok += 1
            raise AssertionError("never throttled")

        ok, refused, elapsed = await asyncio.to_thread(exhaust)
        assert ok * c <= CAPACITY + RESTORE * elapsed + c, (ok, c, elapsed)
        assert ok * c >= CAPACITY - c  # not throttled early either
        body = refused.json()
        assert [e["extensions"]["code"] for e in body["errors"]] == ["THROTTLED"]
        assert body["data"] is None
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= int(c / RESTORE) + 1
        throttle = body["extensions"]["cost"]["throttleStatus"]
        assert throttle["currentlyAvailable"] < c
        assert body["extensions"]["cost"]["actualQueryCost"] == 0

        # it refills at the restore rate: after t seconds, about t * RESTORE points are back
        before = throttle["currentlyAvailable"]
        await asyncio.sleep(1.5)
        again = await asyncio.to_thread(post, b.url, LISTING)
        assert again.status_code == 200, again.text
        after = again.json()["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
        refilled = after + c - before
        assert 1.5 * RESTORE * 0.9 <= refilled <= 1.5 * RESTORE + RESTORE, refilled

        # abuse from this IP on both replicas while a signed-in customer (a budget of its
        # own) is served: it is never throttled; its p99 is reported
        stop = threading.Event()
        refusals = [0]

        def abuse(url: str) -> None:
            with httpx.Client(timeout=30) as client:
                while not stop.is_set():
                    r = client.post(f"{url}/graphql", json={"query": LISTING})
                    refusals[0] += r.status_code == 429

        abusers = [threading.Thread(target=abuse, args=(s.url,)) for s in (a, b, a, b)]
        for t in abusers:
            t.start()
        latencies = []
        try:
            for i in range(60):
                started = time.perf_counter()
                r = await asyncio.to_thread(post, (a, b)[i % 2].url, CHEAP, token)
                latencies.append(time.perf_counter() - started)
                assert r.status_code == 200, r.text
                status = r.json()["extensions"]["cost"]["throttleStatus"]
                assert status["currentlyAvailable"] > CAPACITY / 2
                await asyncio.sleep(0.02)
        finally:
            stop.set()
            for t in abusers:
                t.join()
        assert refusals[0] > 0
        p99 = statistics.quantiles(latencies, n=100)[98]
        print(
            f"\nanother client's latency during the abuse ({refusals[0]} requests refused): "
            f"p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
        )


async def test_sign_in_attempts_have_a_tighter_bucket(services, loaded, tmp_path):
    env = env_for(services, AUTH_RATE_LIMIT_CAPACITY="3", AUTH_RATE_LIMIT_RESTORE_RATE="0.2")
    with serve([], env, tmp_path / "serve.log") as server:
        attempt = (
            'mutation { customerAccessTokenCreate(input: {email: "x@example.com", '
            'password: "wrong-password-1"}) { customerUserErrors { code } } }'
        )
        codes = []
        for _ in range(4):
            r = await asyncio.to_thread(post, server.url, attempt)
            codes.append(r.status_code)
        assert codes == [200, 200, 200, 429], codes
        assert r.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert int(r.headers["retry-after"]) >= 1
        # other queries from the same client are not held back by it
        r = await asyncio.to_thread(post, server.url, LISTING)
        assert r.status_code == 200, r.text
