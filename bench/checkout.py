"""The checkout scenarios: the whole purchase over GraphQL against `emporium serve`, with
`emporium worker` running the saga's actors and `emporium relay` the outbox, on the real
services (distributed mode), next to two ceilings of the same run: Postgres itself
(pgbench TPC-B on a scratch database) and hello-world.

- checkout: N shoppers, each in a loop: `cartCreate` with one line, `checkoutComplete`
  (test gateway, `tok_visa`, a fresh idempotency key), then `checkout(id:)` every 50 ms
  while PROCESSING. Completions/s and time-to-COMPLETED (from sending `checkoutComplete`
  to seeing COMPLETED) p50/p95.
- flash-sale: M carts for one variant with K units, then M `checkoutComplete` at once.
  Exactly K must complete and M - K fail OUT_OF_STOCK with nothing left on hand; the
  run is marked failed otherwise.

The load generator is Python (asyncio + httpx): a multi-step flow with ids carried from
one step to the next is awkward in wrk's Lua, and at a few completions per second its
CPU per request matters little next to the saga's.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from bench.procs import BenchError, run

PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
VARIANTS = "{ products(first: 50) { nodes { variants(first: 3) { nodes { id } } } } }"
CART_CREATE = """mutation($input: CartInput!) {
  cartCreate(input: $input) { cart { id } userErrors { code message } } }"""
COMPLETE = """mutation($input: CheckoutCompleteInput!) {
  checkoutComplete(input: $input) { checkout { id status reason } userErrors { code message } } }"""
POLL = "query($id: ID!) { checkout(id: $id) { id status reason } }"
POLL_EVERY = 0.05
SETTLE_TIMEOUT = 120.0
CHECKOUT_STOCK = 1_000_000  # per variant of the checkout scenario: it never runs out


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100), at least 1
    return ordered[min(len(ordered), int(rank)) - 1]


def parse_pgbench_tps(out: str) -> float:
    """tps from pgbench's report (the figure without the initial connection time)."""
    m = re.search(r"^tps = ([\d.]+) \(without initial connection time\)", out, re.MULTILINE)
    if not m:
        m = re.search(r"^tps = ([\d.]+)", out, re.MULTILINE)
    if not m:
        raise BenchError(f"no tps in pgbench output:\n{out[-1500:]}")
    return float(m.group(1))


def pgbench(admin_url: str, dbname: str, duration: int, clients: int, logs: Path) -> dict[str, Any]:
    """TPC-B (pgbench's built-in script) on `dbname`, initialised at scale 1 first."""
    if not Path(PGBENCH).exists():
        raise BenchError(f"{PGBENCH} not found (Debian's postgresql-15 package)")
    url = make_url(admin_url)
    env = {**os.environ, "PGPASSWORD": url.password or "", "PGHOST": url.host or "127.0.0.1",
           "PGPORT": str(url.port or 5432), "PGUSER": url.username or "postgres"}  # fmt: skip
    root = Path(__file__).resolve().parents[1]
    run([PGBENCH, "-i", "-s", "1", "-q", dbname], env, logs / "pgbench-init.log", root, 300)
    threads = min(clients, 2)
    cmd = [PGBENCH, "-c", str(clients), "-j", str(threads), "-T", str(duration), dbname]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 120)
    (logs / "pgbench.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise BenchError(f"pgbench exited with {done.returncode}:\n{done.stderr[-1500:]}")
    return {
        "tps": round(parse_pgbench_tps(done.stdout), 1),
        "clients": clients,
        "threads": threads,
        "duration_s": duration,
        "scale": 1,
        "script": "tpcb-like (built in)",
    }


async def _gql(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    r = await client.post("/graphql", json={"query": query, "variables": variables})
    body = r.json()
    if r.status_code != 200 or body.get("errors"):
        raise BenchError(f"HTTP {r.status_code}: {r.text[:400]}")
    return body["data"]  # type: ignore[no-any-return]


async def variant_ids(base_url: str) -> list[str]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        data = await _gql(client, VARIANTS, {})
    ids = [v["id"] for p in data["products"]["nodes"] for v in p["variants"]["nodes"]]
    if len(ids) < 2:
        raise BenchError(f"the seeded catalog has too few variants: {data}")
    return ids


async def _cart(client: httpx.AsyncClient, variant: str) -> str:
    lines = [{"merchandiseId": variant, "quantity": 1}]
    made = (await _gql(client, CART_CREATE, {"input": {"lines": lines}}))["cartCreate"]
    if not made["cart"]:
        raise BenchError(f"cartCreate: {made['userErrors']}")
    return str(made["cart"]["id"])


async def _complete(client: httpx.AsyncClient, cart_id: str) -> dict[str, Any]:
    payload = {"cartId": cart_id, "payment": {"gateway": "test", "token": "tok_visa"},
               "idempotencyKey": uuid.uuid4().hex, "email": "bench@example.com"}  # fmt: skip
    done = (await _gql(client, COMPLETE, {"input": payload}))["checkoutComplete"]
    if not done["checkout"]:
        raise BenchError(f"checkoutComplete: {done['userErrors']}")
    return done["checkout"]  # type: ignore[no-any-return]


async def _settle(client: httpx.AsyncClient, found: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while found["status"] == "PROCESSING":
        if time.monotonic() > deadline:
            raise BenchError(f"checkout still PROCESSING after {SETTLE_TIMEOUT:.0f}s: {found}")
        await asyncio.sleep(POLL_EVERY)
        found = (await _gql(client, POLL, {"id": found["id"]}))["checkout"]
    return found


async def _buy(client: httpx.AsyncClient, variant: str) -> tuple[dict[str, Any], float]:
    """One purchase: the checkout at its end, and seconds from checkoutComplete to the end."""
    cart_id = await _cart(client, variant)
    t0 = time.monotonic()
    done = await _settle(client, await _complete(client, cart_id))
    return done, time.monotonic() - t0


async def checkout_load(
    base_url: str, variants: list[str], clients: int, duration: float, warmup: float
) -> dict[str, Any]:
    """`clients` shoppers buying in a loop for `duration` seconds (after `warmup`)."""
    limits = httpx.Limits(max_connections=clients + 4)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        first, first_s = await _buy(client, variants[0])  # the check: one purchase completes
        if first["status"] != "COMPLETED":
            raise BenchError(f"the first checkout did not complete: {first}")
        times: list[float] = []
        outcomes: dict[str, int] = {}
        measuring = False

        async def shopper(i: int) -> None:
            while not stop.is_set():
                done, seconds = await _buy(client, variants[i % len(variants)])
                if measuring:
                    key = (
                        done["status"] if done["status"] != "FAILED" else f"FAILED {done['reason']}"
                    )
                    outcomes[key] = outcomes.get(key, 0) + 1
                    if done["status"] == "COMPLETED":
                        times.append(seconds)

        stop = asyncio.Event()
        tasks = [asyncio.create_task(shopper(i)) for i in range(clients)]
        await asyncio.sleep(warmup)
        measuring = True
        t0 = time.monotonic()
        await asyncio.sleep(duration)
        stop.set()
        await asyncio.gather(*tasks)  # purchases under way finish (and count)
        elapsed = time.monotonic() - t0
    p50, p95 = percentile(times, 50), percentile(times, 95)
    return {
        "clients": clients,
        "elapsed_s": round(elapsed, 2),
        "completed": len(times),
        "completions_per_s": round(len(times) / elapsed, 2),
        "time_to_completed_p50_ms": round(p50 * 1000, 1) if p50 is not None else None,
        "time_to_completed_p95_ms": round(p95 * 1000, 1) if p95 is not None else None,
        "time_to_completed_max_ms": round(max(times) * 1000, 1) if times else None,
        "outcomes": outcomes,
        "first_checkout_s": round(first_s, 2),
    }


async def flash_sale(base_url: str, variant: str, buyers: int) -> dict[str, Any]:
    """`buyers` carts for one variant, then all their checkouts at once; each settled."""
    limits = httpx.Limits(max_connections=buyers + 4)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
        sem = asyncio.Semaphore(16)

        async def cart() -> str:
            async with sem:
                return await _cart(client, variant)

        carts = await asyncio.gather(*(cart() for _ in range(buyers)))
        t0 = time.monotonic()

        async def buy(cart_id: str) -> dict[str, Any]:
            return await _settle(client, await _complete(client, cart_id))

        ended = await asyncio.gather(*(buy(c) for c in carts))
        elapsed = time.monotonic() - t0
    completed = sum(e["status"] == "COMPLETED" for e in ended)
    out_of_stock = sum(e["status"] == "FAILED" and e["reason"] == "OUT_OF_STOCK" for e in ended)
    return {
        "buyers": buyers,
        "completed": completed,
        "failed_out_of_stock": out_of_stock,
        "other": buyers - completed - out_of_stock,
        "elapsed_s": round(elapsed, 2),
    }


async def _set_stock(database_url: str, redis_url: str, stock: dict[int, int]) -> None:
    from redis.asyncio import Redis

    from app.domains import inventory
    from app.platform.db import Database
    from app.platform.settings import load_settings

    os.environ.setdefault("EMPORIUM_ENV_FILE", "")
    settings = load_settings(database_url=database_url, redis_url=redis_url)
    db = Database(settings, pool_size=2)
    redis = Redis.from_url(redis_url)
    try:
        for variant, units in stock.items():
            async with db.uow(inventory.CONTEXT) as uow:
                await inventory.set_on_hand(uow, variant, units, "bench stock", actor="bench",
                                            redis=redis)  # fmt: skip
    finally:
        await db.dispose()
        await redis.aclose()


def set_stock(database_url: str, redis_url: str, stock: dict[str, int]) -> None:
    """On hand per variant (global ids), written through to Redis's hot counts."""
    from app.platform.ids import from_global_id

    by_pk = {from_global_id(gid, "ProductVariant")[1]: n for gid, n in stock.items()}
    asyncio.run(_set_stock(database_url, redis_url, by_pk))


async def _levels(database_url: str, variant: int) -> dict[str, int]:
    from app.domains import inventory
    from app.platform.db import Database
    from app.platform.settings import load_settings

    db = Database(load_settings(database_url=database_url), pool_size=2)
    try:
        async with db.reader(inventory.CONTEXT) as uow:
            levels = await inventory.stock_levels(uow, variant_ids=[variant])
            mismatches = await inventory.check(uow)
    finally:
        await db.dispose()
    return {
        "on_hand_after": sum(lv.on_hand for lv in levels),
        "reserved_after": sum(lv.reserved for lv in levels),
        "ledger_mismatches": len(mismatches),
    }


def stock_after(database_url: str, variant_gid: str) -> dict[str, int]:
    from app.platform.ids import from_global_id

    return asyncio.run(_levels(database_url, from_global_id(variant_gid, "ProductVariant")[1]))


async def _forget(redis_url: str, dbname: str) -> int:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    gone = 0
    try:
        # the inventory's hot counts, scoped by database name and oid (app/domains/inventory/
        # service/hot.py): a recreated database no longer reads them, this only tidies up
        async for k in redis.scan_iter(match=f"inventory:{dbname}.*:available:*", count=1000):
            gone += await redis.delete(k)
    finally:
        await redis.aclose()
    return gone


def forget_hot_counts(redis_url: str, dbname: str) -> int:
    """Drop an earlier run's hot counts for `dbname`: they carry stock versions of the
    dropped database, newer than the fresh one's, so they would win over its writes."""
    return asyncio.run(_forget(redis_url, dbname))
