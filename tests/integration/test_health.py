"""/healthz says the process is up; /readyz says whether its engines are reachable."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

pytestmark = pytest.mark.integration


async def test_ready_when_everything_is_reachable(api):
    r = await api.http.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "broker": "ok"},
    }
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}


async def test_not_ready_when_redis_is_gone(api, monkeypatch):
    runtime = api.http._transport.app.state.runtime  # type: ignore[attr-defined]
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    monkeypatch.setattr(runtime, "redis", dead)
    r = await api.http.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"].startswith("error") and body["checks"]["database"] == "ok"
    # still alive: a load balancer must not restart it for a dependency's outage
    assert (await api.http.get("/healthz")).status_code == 200
    await dead.aclose()


async def test_every_response_carries_a_request_id(api):
    r = await api.http.get("/healthz", headers={"x-request-id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    assert len((await api.http.get("/healthz")).headers["x-request-id"]) == 32


async def test_metrics_count_graphql_requests(api):
    await api.query("{ products(first: 1) { totalCount } }")
    text = (await api.http.get("/metrics")).text
    assert 'emporium_http_requests_total{path="/graphql",status="200"}' in text


async def test_browsers_on_other_origins_may_call_the_api(api):
    pre = await api.http.options(
        "/graphql",
        headers={
            "origin": "https://shop.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] in ("*", "https://shop.example")
    assert "POST" in pre.headers["access-control-allow-methods"]
    r = await api.http.post(
        "/graphql",
        json={"query": "{ products(first: 1) { totalCount } }"},
        headers={"origin": "https://shop.example"},
    )
    assert r.headers["access-control-allow-origin"] == "*"
    assert "x-request-id" in r.headers["access-control-expose-headers"]


async def test_concurrent_reads_share_the_pool_instead_of_opening_connections(api, settings):
    """48 requests at once on a pool of 10: they queue for a connection; none is opened
    past the pool, and /metrics shows it (the benchmarks once saw 20 new sessions a second
    when the pool overflowed and closed what it had opened)."""
    import asyncio
    import re

    query = (
        "{ products(first: 5) { totalCount nodes { title variants(first: 2) { nodes { sku } } } } }"
    )
    await asyncio.gather(*(api.query(query) for _ in range(48)))
    await asyncio.gather(*(api.query(query) for _ in range(48)))
    text = (await api.http.get("/metrics")).text

    def gauge(name: str) -> float:
        values = re.findall(rf"^{name}{{[^}}]*}} (\S+)$", text, re.M)
        assert values, f"{name} missing from /metrics"
        return max(float(v) for v in values)

    assert gauge("emporium_db_pool_size") == settings.db_pool_size
    assert gauge("emporium_db_pool_overflow") == 0
    assert 1 <= gauge("emporium_db_connections_opened") <= settings.db_pool_size
