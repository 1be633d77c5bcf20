"""Inventory tests start from empty stock, reservations and ledger (one warehouse)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis

from app.domains import inventory
from app.platform.db import Database
from app.platform.settings import Settings


def inv_db_name(db: Database | None) -> str:
    """The database holding this run's stock: the hot counts' namespace in Redis starts so."""
    assert db is not None
    return sa.engine.make_url(db.settings.database_url_for(inventory.CONTEXT)).database or ""


async def inv_scope(db: Database | None) -> str:
    """The hot counts' namespace in Redis: the stock's database, by name and oid."""
    assert db is not None
    async with db.reader(inventory.CONTEXT) as uow:
        oid = (
            await uow.session.execute(
                sa.text("SELECT oid FROM pg_database WHERE datname = current_database()")
            )
        ).scalar_one()
    return f"{inv_db_name(db)}.{oid}"


def hot_key(scope: str, variant_id: int) -> str:
    return f"inventory:{scope}:available:{{{variant_id}}}"


async def empty_inventory(db: Database) -> None:
    """Empty stock, reservations, ledger and outbox, and this run's hot counts in Redis."""
    async with db.uow(inventory.CONTEXT) as uow:
        await uow.session.execute(
            sa.text(
                "TRUNCATE inventory.stock, inventory.reservation_lines, inventory.reservations,"
                " inventory.movements, inventory.outbox"
            )
        )
        await uow.session.execute(
            sa.text("DELETE FROM inventory.warehouses WHERE code <> 'default'")
        )
        await uow.commit()
    url = db.settings.redis_url
    assert url
    client = Redis.from_url(url)
    try:
        keys = [
            k
            async for k in client.scan_iter(
                match=f"inventory:{inv_db_name(db)}.*:available:*", count=500
            )
        ]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def inv(db: Database) -> Database:
    await empty_inventory(db)
    return db


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    assert settings.redis_url
    client = Redis.from_url(settings.redis_url)
    try:
        yield client
    finally:
        await client.aclose()


async def stock(db: Database, redis: Redis | None, **quantities: int) -> None:
    """Stock `v<id>=qty` in the default warehouse, through the staff path (ledger included)."""
    for name, qty in quantities.items():
        async with db.uow(inventory.CONTEXT) as uow:
            await inventory.set_on_hand(
                uow, int(name.removeprefix("v")), qty, "test stock", actor="test", redis=redis
            )
