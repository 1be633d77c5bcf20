"""`python -m bench.profile`: where a request's time goes, under cProfile, in process.

Serves the benchmark's listing (or product page) through the whole ASGI app (middleware,
strawberry's pipeline, the planner or the standard executor, the database) with httpx's
ASGI transport, `--requests` times after a warm-up, and prints the functions that take
the most time. Point DATABASE_URL (and REDIS_URL, BROKER_URL) at a seeded bench database:

    BENCH_DB=emporium_bench .venv/bin/python -m bench.profile --requests 300
    PLANNED_EXECUTION=false .venv/bin/python -m bench.profile   # the standard executor
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import time

import httpx

from app.main import create_app
from app.platform.settings import load_settings
from bench import database, query


async def serve(requests: int, page: str) -> tuple[float, cProfile.Profile]:
    app = create_app(load_settings())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            body: dict[str, object] = {"query": query.PRODUCTS_QUERY}
            if page == "product":
                r = await http.post(
                    "/graphql", json={"query": "{ products(first: 1) { nodes { handle } } }"}
                )
                handle = r.json()["data"]["products"]["nodes"][0]["handle"]
                body = {"query": query.PRODUCT_QUERY, "variables": {"handle": handle}}
            raw = json.dumps(body).encode()
            headers = {"content-type": "application/json"}
            for _ in range(20):
                r = await http.post("/graphql", content=raw, headers=headers)
                assert r.status_code == 200 and "errors" not in r.json(), r.text[:500]
            profile = cProfile.Profile()
            started = time.perf_counter()
            profile.enable()
            for _ in range(requests):
                await http.post("/graphql", content=raw, headers=headers)
            profile.disable()
            return time.perf_counter() - started, profile


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n")[0])
    p.add_argument("--requests", type=int, default=300)
    p.add_argument("--page", choices=["listing", "product"], default="listing")
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args()
    if "BENCH_DB" in os.environ or "DATABASE_URL" in os.environ:
        os.environ["DATABASE_URL"] = database.bench_url(os.environ["DATABASE_URL"])
    os.environ.setdefault("LOG_LEVEL", "warning")
    seconds, profile = asyncio.run(serve(args.requests, args.page))
    print(f"{args.requests} requests in {seconds:.2f} s: {args.requests / seconds:.1f} req/s "
          f"on one process under cProfile (planned: {os.environ.get('PLANNED_EXECUTION', 'true')})")  # fmt: skip
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(key).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
