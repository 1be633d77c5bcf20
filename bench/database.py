"""The benchmark's own database: dropped, created, migrated and seeded on every run."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bench.procs import BenchError, run

# EMPORIUM_BENCH_DB (or BENCH_DB): another name, so two runs (two worktrees) never drop
# each other's
BENCH_DB = os.environ.get("EMPORIUM_BENCH_DB") or os.environ.get("BENCH_DB") or "emporium_bench"


def bench_url(admin_url: str, name: str = BENCH_DB) -> str:
    """The same server and credentials as `admin_url`, another database."""
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _plain(url: str) -> str:
    """asyncpg wants postgresql://, without SQLAlchemy's +asyncpg driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _recreate(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(_plain(admin_url), timeout=10)
    try:
        # FORCE ends sessions left over from an interrupted run (PostgreSQL 13+).
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _analyze(url: str) -> None:
    conn = await asyncpg.connect(_plain(url), timeout=10)
    try:
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()


def _sql(step: str, coro: Coroutine[Any, Any, None]) -> None:
    try:
        asyncio.run(asyncio.wait_for(coro, timeout=300))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise BenchError(f"could not {step}: {exc}") from exc


def recreate(admin_url: str, name: str) -> None:
    """Drop and create another bench database (a scenario with its own data)."""
    _sql(f"recreate database {name}", _recreate(admin_url, name))


def prepare(
    emporium: str,
    admin_url: str,
    env: Mapping[str, str],
    products: int,
    logs: Path,
    root: Path,
    seed_timeout: float,
) -> float:
    """Drop + create the bench database, migrate, seed. Returns the seed time in seconds.

    `env` is the environment of the emporium commands; its DATABASE_URL is the bench one.
    """
    _sql(f"recreate database {BENCH_DB}", _recreate(admin_url, BENCH_DB))
    print(f"database: {BENCH_DB} recreated; migrating …", flush=True)
    run([emporium, "migrate"], env, logs / "migrate.log", root, timeout=300)
    print(f"database: seeding {products} demo products …", flush=True)
    t0 = time.monotonic()
    cmd = [emporium, "seed", "--demo", "--products", str(products)]
    run(cmd, env, logs / "seed.log", root, timeout=seed_timeout)
    # Fresh tables have no planner statistics until autovacuum gets to them, maybe
    # in the middle of the load: analyze now so every run measures the same plans.
    _sql("analyze the bench database", _analyze(bench_url(admin_url)))
    seconds = time.monotonic() - t0
    print(f"database: seeded and analyzed in {seconds:.1f}s", flush=True)
    return seconds


async def _drop(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(_plain(admin_url), timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def drop(admin_url: str, name: str) -> None:
    """Drop a scratch database this run made (pgbench's)."""
    _sql(f"drop database {name}", _drop(admin_url, name))
