"""`emporium serve --demo` with no configuration: embedded Postgres and Redis, one process."""

from __future__ import annotations

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


def test_embedded_serve_seeds_once_serves_and_stops_cleanly(tmp_path):
    data_dir = tmp_path / "data"
    env = {"DATABASE_URL": "", "REDIS_URL": "", "BROKER_URL": "", "LOG_LEVEL": "INFO"}
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
        import httpx

        page = httpx.get(graphiql, headers={"accept": "text/html"}, timeout=10)
        assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert server.proc.returncode == 0, server.output()
    assert leftovers(data_dir) == [], "Ctrl-C left processes behind"

    # a second start reuses the data: nothing is seeded again
    with serve(["--demo", "--data-dir", str(data_dir)], env, tmp_path / "second.log") as server:
        again = server.query("{ products(first: 1) { totalCount } }")
        assert again["data"]["products"]["totalCount"] == total
        assert "seeding the demo catalog" not in server.output()
    assert leftovers(data_dir) == []
