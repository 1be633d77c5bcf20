"""`emporium serve --demo` with no configuration: embedded Postgres and Redis, one process."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import asyncpg
import httpx
import psutil
import pytest

from tests.e2e.conftest import serve

pytestmark = pytest.mark.e2e

PAGE = """{ products(first: 24, sortKey: PRICE) {
  totalCount
  nodes { title priceRange { minVariantPrice { amount } } featuredImage { url }
          category { title } variants(first: 10) { nodes { sku price { amount currencyCode } } } }
} }"""


def leftovers(data_dir) -> list[str]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if str(data_dir) in cmd:
            found.append(cmd)
    return found


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


def test_embedded_serve_seeds_once_serves_and_stops_cleanly(tmp_path):
    data_dir = tmp_path / "data"
    env = {
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "BROKER_URL": "",
        "LOG_LEVEL": "INFO",
        # the in-process relay and worker threads deliver the seed's events over Redis
        "EXTRA_WORKER_MODULES": "tests.fixtures.recorder",
    }
    with serve(["--demo", "--data-dir", str(data_dir)], env, tmp_path / "first.log") as server:
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

        # every ProductChanged the seed wrote is relayed and handled once, in this process
        deadline = time.monotonic() + 60
        while True:
            outbox, sent, handled = asyncio.run(embedded_outbox(data_dir))
            if outbox == sent == handled == total or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert (outbox, sent, handled) == (total, total, total), server.output()[-3000:]
    assert server.proc.returncode == 0, server.output()
    assert leftovers(data_dir) == [], "Ctrl-C left processes behind"

    # a second start reuses the data: nothing is seeded again
    with serve(["--demo", "--data-dir", str(data_dir)], env, tmp_path / "second.log") as server:
        again = server.query("{ products(first: 1) { totalCount } }")
        assert again["data"]["products"]["totalCount"] == total
        assert "seeding the demo catalog" not in server.output()
        # an impatient user presses Ctrl-C twice: still nothing may be left running
        os.killpg(server.proc.pid, signal.SIGINT)
        time.sleep(0.05)  # the second lands while the first shutdown is under way
        os.killpg(server.proc.pid, signal.SIGINT)
        server.proc.wait(timeout=60)
    assert leftovers(data_dir) == [], server.output()[-3000:]
