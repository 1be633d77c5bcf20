"""Concurrency against real Postgres: several processes, each with its own connections."""

from __future__ import annotations

import asyncio
import multiprocessing
import random
from datetime import timedelta

import sqlalchemy as sa

from app.domains import inventory
from app.platform.db import Database
from app.platform.settings import Settings
from tests.integration.inventory.conftest import stock

TTL = timedelta(minutes=10)


async def _reserve_many(
    settings: Settings, tag: str, jobs: list[list[tuple[int, int]]]
) -> list[bool]:
    db = Database(settings, pool_size=8)
    sem = asyncio.Semaphore(16)

    async def one(i: int, lines: list[tuple[int, int]]) -> bool:
        async with sem, db.uow(inventory.CONTEXT) as uow:
            try:
                r = await inventory.reserve(uow, f"{tag}-{i}", lines, TTL)
            except inventory.OutOfStock:
                return False
            assert len({li.variant_id for li in r.lines}) == len({v for v, _ in lines})
            return True

    try:
        return await asyncio.gather(*(one(i, lines) for i, lines in enumerate(jobs)))
    finally:
        await db.dispose()


def _worker(settings_json: str, tag: str, jobs: list[list[tuple[int, int]]]) -> list[bool]:
    settings = Settings.model_validate_json(settings_json)
    return asyncio.run(_reserve_many(settings, tag, jobs))


def _in_processes(settings: Settings, per_process: list[list[list[tuple[int, int]]]]) -> list[bool]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(len(per_process)) as pool:
        results = pool.starmap(
            _worker,
            [(settings.model_dump_json(), f"p{n}", jobs) for n, jobs in enumerate(per_process)],
        )
    return [ok for chunk in results for ok in chunk]


async def _totals(db: Database) -> dict[int, tuple[int, int]]:
    async with db.reader(inventory.CONTEXT) as uow:
        rows = await uow.session.execute(
            sa.text("SELECT variant_id, on_hand, reserved FROM inventory.stock")
        )
        return {r[0]: (r[1], r[2]) for r in rows}


async def test_500_reservations_for_50_units_sell_exactly_50(
    inv: Database, settings: Settings
) -> None:
    await stock(inv, None, v900=50)
    per_process = [[[(900, 1)] for _ in range(125)] for _ in range(4)]
    results = await asyncio.to_thread(_in_processes, settings, per_process)
    assert len(results) == 500
    assert sum(results) == 50
    assert (await _totals(inv))[900] == (50, 50)
    async with inv.reader(inventory.CONTEXT) as uow:
        assert await inventory.available_quantities(uow, [900]) == {900: 0}
        assert await inventory.check(uow) == []
        held = await uow.session.scalar(
            sa.text("SELECT coalesce(sum(quantity), 0) FROM inventory.reservation_lines")
        )
    assert held == 50


async def test_overlapping_multi_line_reservations_never_deadlock_nor_half_apply(
    inv: Database, settings: Settings
) -> None:
    variants = list(range(950, 956))
    await stock(inv, None, **{f"v{v}": 40 for v in variants})
    rng = random.Random(7)
    per_process = []
    for _ in range(3):
        jobs = []
        for _ in range(60):
            picked = rng.sample(variants, rng.randint(2, 5))  # random order on purpose
            jobs.append([(v, rng.randint(1, 3)) for v in picked])
        per_process.append(jobs)
    results = await asyncio.to_thread(_in_processes, settings, per_process)
    assert any(results) and not all(results)  # some sold, some turned away
    totals = await _totals(inv)
    async with inv.reader(inventory.CONTEXT) as uow:
        # every saga holds all its lines or has no reservation at all
        rows = await uow.session.execute(
            sa.text(
                "SELECT r.saga_id, count(DISTINCT l.variant_id) FROM inventory.reservations r"
                " LEFT JOIN inventory.reservation_lines l USING (saga_id) GROUP BY r.saga_id"
            )
        )
        held = dict(rows.all())
        assert await inventory.check(uow) == []
    wanted = {
        f"p{n}-{i}": len(lines)
        for n, jobs in enumerate(per_process)
        for i, lines in enumerate(jobs)
    }
    sagas = [f"p{n}-{i}" for n, jobs in enumerate(per_process) for i in range(len(jobs))]
    for saga, ok in zip(sagas, results, strict=True):
        assert (saga in held) == ok
        if ok:
            assert held[saga] == wanted[saga]
    for v in variants:
        on_hand, reserved = totals[v]
        assert on_hand == 40 and 0 <= reserved <= 40
