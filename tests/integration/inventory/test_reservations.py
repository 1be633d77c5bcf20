"""Reservations against real Postgres: all or nothing, idempotent, confirm/release/expire."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis

from app.domains import inventory
from app.platform.db import Database
from tests.integration.inventory.conftest import stock

TTL = timedelta(minutes=10)


async def _levels(db: Database, variant_id: int) -> tuple[int, int]:
    async with db.reader(inventory.CONTEXT) as uow:
        rows = await inventory.stock_levels(uow, variant_ids=[variant_id])
    return sum(r.on_hand for r in rows), sum(r.reserved for r in rows)


async def _check(db: Database) -> list[inventory.Mismatch]:
    async with db.reader(inventory.CONTEXT) as uow:
        return await inventory.check(uow)


async def test_reserve_confirm_release_cycle(inv: Database, redis: Redis) -> None:
    await stock(inv, redis, v101=10, v102=3)
    async with inv.uow(inventory.CONTEXT) as uow:
        r = await inventory.reserve(uow, "saga-1", [(101, 4), (102, 3)], TTL, redis=redis)
    assert r.status == "RESERVED"
    assert sorted((li.variant_id, li.quantity) for li in r.lines) == [(101, 4), (102, 3)]
    assert await _levels(inv, 101) == (10, 4)
    async with inv.reader(inventory.CONTEXT) as uow:
        assert await inventory.available_quantities(uow, [101, 102, 999], redis=redis) == {
            101: 6,
            102: 0,
            999: 0,
        }
    async with inv.uow(inventory.CONTEXT) as uow:
        assert (await inventory.confirm(uow, "saga-1", redis=redis)).status == "CONFIRMED"
    async with inv.uow(inventory.CONTEXT) as uow:  # twice: nothing more happens
        assert (await inventory.confirm(uow, "saga-1", redis=redis)).status == "CONFIRMED"
    assert await _levels(inv, 101) == (6, 0)
    assert await _levels(inv, 102) == (0, 0)
    async with inv.uow(inventory.CONTEXT) as uow:
        with pytest.raises(inventory.ReservationClosed):
            await inventory.release(uow, "saga-1")
    assert await _check(inv) == []


async def test_all_or_nothing_names_every_short_variant(inv: Database, redis: Redis) -> None:
    await stock(inv, redis, v201=5, v202=1, v203=0)
    async with inv.uow(inventory.CONTEXT) as uow:
        with pytest.raises(inventory.OutOfStock) as exc:
            await inventory.reserve(uow, "s", [(201, 5), (202, 2), (203, 1)], TTL)
    assert exc.value.variant_ids == (202, 203)
    assert await _levels(inv, 201) == (5, 0)  # nothing held, not even the line that fitted
    async with inv.reader(inventory.CONTEXT) as uow:
        held = await uow.session.scalar(sa.text("SELECT count(*) FROM inventory.reservations"))
    assert held == 0  # a retry with the same saga id may try again


async def test_reserve_is_idempotent_per_saga(inv: Database) -> None:
    await stock(inv, None, v301=10)
    for _ in range(3):
        async with inv.uow(inventory.CONTEXT) as uow:
            r = await inventory.reserve(uow, "same", [(301, 4)], TTL)
        assert r.status == "RESERVED"
    assert await _levels(inv, 301) == (10, 4)
    async with inv.uow(inventory.CONTEXT) as uow:
        await inventory.release(uow, "same")
    async with inv.uow(inventory.CONTEXT) as uow:
        assert (await inventory.release(uow, "same")).status == "RELEASED"
    async with inv.uow(inventory.CONTEXT) as uow:  # a late retry after the release holds nothing
        assert (await inventory.reserve(uow, "same", [(301, 4)], TTL)).status == "RELEASED"
    assert await _levels(inv, 301) == (10, 0)
    async with inv.uow(inventory.CONTEXT) as uow:
        with pytest.raises(inventory.ReservationClosed):
            await inventory.confirm(uow, "same")
    assert await _check(inv) == []


async def test_release_before_reserve_wins(inv: Database) -> None:
    """A compensation that runs before its reserve (a timed-out step) blocks the reserve."""
    await stock(inv, None, v401=2)
    async with inv.uow(inventory.CONTEXT) as uow:
        assert (await inventory.release(uow, "early")).status == "RELEASED"
    async with inv.uow(inventory.CONTEXT) as uow:
        assert (await inventory.reserve(uow, "early", [(401, 1)], TTL)).status == "RELEASED"
    assert await _levels(inv, 401) == (2, 0)


async def test_unknown_saga_cannot_confirm(inv: Database) -> None:
    async with inv.uow(inventory.CONTEXT) as uow:
        with pytest.raises(inventory.NotFound):
            await inventory.confirm(uow, "nobody")


async def test_invalid_quantities(inv: Database) -> None:
    async with inv.uow(inventory.CONTEXT) as uow:
        with pytest.raises(inventory.InvalidQuantity):
            await inventory.reserve(uow, "q", [(1, 0)], TTL)
        with pytest.raises(inventory.InvalidQuantity):
            await inventory.reserve(uow, "q", [], TTL)


async def test_sweeper_releases_only_expired(inv: Database, redis: Redis) -> None:
    await stock(inv, redis, v501=10)
    async with inv.uow(inventory.CONTEXT) as uow:
        await inventory.reserve(uow, "old", [(501, 3)], timedelta(seconds=-1), redis=redis)
    async with inv.uow(inventory.CONTEXT) as uow:
        await inventory.reserve(uow, "new", [(501, 2)], TTL, redis=redis)
    assert await inventory.release_expired(inv, redis=redis) == 1
    assert await _levels(inv, 501) == (10, 2)
    async with inv.reader(inventory.CONTEXT) as uow:
        assert await inventory.available_quantities(uow, [501], redis=redis) == {501: 8}
    assert await inventory.release_expired(inv, redis=redis) == 0
    async with inv.uow(inventory.CONTEXT) as uow:  # swept: too late to confirm
        with pytest.raises(inventory.ReservationClosed):
            await inventory.confirm(uow, "old")
    assert await _check(inv) == []


async def test_warehouse_priority_and_split(inv: Database) -> None:
    async with inv.uow(inventory.CONTEXT) as uow:
        eu = await inventory.create_warehouse(uow, "eu", "EU", countries=["DE", "FR"], priority=-1)
    async with inv.uow(inventory.CONTEXT) as uow:
        await inventory.set_on_hand(uow, 601, 3, "count", actor="t", warehouse_id=eu.id)
    async with inv.uow(inventory.CONTEXT) as uow:
        main = next(w for w in await inventory.warehouses(uow) if w.code == "default")
        await inventory.set_on_hand(uow, 601, 5, "count", actor="t", warehouse_id=main.id)
    async with inv.uow(inventory.CONTEXT) as uow:  # Germany: the EU warehouse first, then default
        r = await inventory.reserve(uow, "de", [(601, 4)], TTL, country="DE")
    by_wh = {li.warehouse_id: li.quantity for li in r.lines}
    assert by_wh[eu.id] == 3 and sum(by_wh.values()) == 4
    async with inv.uow(inventory.CONTEXT) as uow:  # the US is served by the default only
        with pytest.raises(inventory.OutOfStock):
            await inventory.reserve(uow, "us", [(601, 5)], TTL, country="US")
    async with inv.uow(inventory.CONTEXT) as uow:
        r = await inventory.reserve(uow, "us2", [(601, 4)], TTL, country="US")
    assert {li.warehouse_id for li in r.lines} == {main.id}
    assert await _check(inv) == []


async def test_availability_events_in_outbox(inv: Database) -> None:
    await stock(inv, None, v701=7)
    async with inv.uow(inventory.CONTEXT) as uow:
        await inventory.reserve(uow, "a", [(701, 3)], TTL)  # 7 -> 4: low stock (threshold 5)
    async with inv.uow(inventory.CONTEXT) as uow:
        await inventory.reserve(uow, "b", [(701, 4)], TTL)  # 4 -> 0: sold out
    async with inv.uow(inventory.CONTEXT) as uow:
        await inventory.release(uow, "b")  # 0 -> 4: back in stock
    async with inv.reader(inventory.CONTEXT) as uow:
        rows = await uow.session.execute(
            sa.text("SELECT type, payload FROM inventory.outbox ORDER BY id")
        )
        changes = [(t, p["change"], p["available"]) for t, p in rows]
    t = "inventory.AvailabilityChanged.v1"
    assert changes == [
        (t, "back_in_stock", 7),
        (t, "low_stock", 4),
        (t, "out_of_stock", 0),
        (t, "back_in_stock", 4),
    ]
