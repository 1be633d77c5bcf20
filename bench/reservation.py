"""The reservation scenario: each POST reserves one unit of one of a few hot variants for a
new saga and releases it again, through the inventory's public API (two transactions on
rows every other request is locking too). Served like the API (uvicorn, 2 workers).

There is no GraphQL field for it: reservations belong to the checkout saga, so this app
calls the service directly; what it measures is the contended Postgres path plus the hot
count write-through to Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import sqlalchemy as sa
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.domains import inventory
from app.platform.db import Database
from app.platform.settings import load_settings
from bench.procs import BenchError

HOT_VARIANTS = (1, 2, 3, 4)
STOCK = 1_000  # per variant: 32 connections never exhaust it, so every reserve succeeds
TTL = timedelta(minutes=5)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    settings = load_settings()
    assert settings.redis_url
    app.state.db = Database(settings)
    app.state.redis = Redis.from_url(settings.redis_url)
    try:
        yield
    finally:
        await app.state.db.dispose()
        await app.state.redis.aclose()


async def reserve_release(request: Request) -> JSONResponse:
    if request.method == "GET":
        return JSONResponse({"ready": True})
    db: Database = request.app.state.db
    redis: Redis = request.app.state.redis
    saga = uuid.uuid4().hex
    variant = random.choice(HOT_VARIANTS)
    async with db.uow(inventory.CONTEXT) as uow:
        try:
            await inventory.reserve(uow, saga, [(variant, 1)], TTL, redis=redis)
        except inventory.OutOfStock:
            return JSONResponse({"reserved": False})
    async with db.uow(inventory.CONTEXT) as uow:
        await inventory.release(uow, saga, redis=redis)
    return JSONResponse({"reserved": True})


app = Starlette(routes=[Route("/", reserve_release, methods=["GET", "POST"])], lifespan=lifespan)


async def _stock(database_url: str, redis_url: str) -> None:
    os.environ.setdefault("EMPORIUM_ENV_FILE", "")
    settings = load_settings(database_url=database_url, redis_url=redis_url)
    db = Database(settings, pool_size=2)
    redis = Redis.from_url(redis_url)
    try:
        for v in HOT_VARIANTS:
            async with db.uow(inventory.CONTEXT) as uow:
                await inventory.set_on_hand(
                    uow, v, STOCK, "bench stock", actor="bench", redis=redis
                )
    finally:
        await db.dispose()
        await redis.aclose()


def stock_hot_variants(database_url: str, redis_url: str) -> None:
    asyncio.run(_stock(database_url, redis_url))


async def _after(database_url: str, redis_url: str) -> dict[str, int]:
    settings = load_settings(database_url=database_url, redis_url=redis_url)
    db = Database(settings, pool_size=2)
    try:
        async with db.reader(inventory.CONTEXT) as uow:
            mismatches = await inventory.check(uow)
            levels = await inventory.stock_levels(uow, variant_ids=list(HOT_VARIANTS))
            count = await uow.session.scalar(sa.text("SELECT count(*) FROM inventory.reservations"))
    finally:
        await db.dispose()
    return {
        "ledger_mismatches": len(mismatches),
        "reserved_after": sum(lv.reserved for lv in levels),
        "on_hand_after": sum(lv.on_hand for lv in levels),
        "sagas": int(count or 0),
    }


def after_run(database_url: str, redis_url: str) -> dict[str, int]:
    """What the run left: the ledger must balance and nothing may stay reserved."""
    return asyncio.run(_after(database_url, redis_url))


def verify(base_url: str) -> int:
    r = httpx.post(f"{base_url}/", timeout=30)
    if r.status_code != 200 or r.json() != {"reserved": True}:
        raise BenchError(f"reservation: HTTP {r.status_code}: {r.text[:300]}")
    return len(r.content)
