"""The sweeper on the real broker: the trigger sends `inventory.sweep`, a worker releases
expired reservations, and several triggers still sweep once per interval."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import dramatiq
from dramatiq import Worker
from redis.asyncio import Redis

from app import workers
from app.domains import inventory
from app.platform.broker import build_broker
from app.platform.db import Database
from app.platform.settings import Settings
from app.workers.inventory import run_sweep_trigger
from tests.integration.inventory.conftest import stock


async def test_expired_reservations_are_released_by_the_worker(
    inv: Database, settings: Settings, redis: Redis
) -> None:
    s = settings.model_copy(update={"inventory_sweep_interval": 0.2})
    await stock(inv, redis, v808=4)
    async with inv.uow(inventory.CONTEXT) as uow:
        await inventory.reserve(uow, "lapsed", [(808, 3)], timedelta(seconds=-1), redis=redis)
    async with inv.reader(inventory.CONTEXT) as uow:
        assert await inventory.available_quantities(uow, [808], redis=redis) == {808: 1}

    broker = build_broker(s.broker_url or "")
    workers.register(broker, s)
    sent = 0
    original = broker.enqueue

    def counting(message: dramatiq.Message, *, delay: int | None = None) -> dramatiq.Message:
        nonlocal sent
        sent += 1
        return original(message, delay=delay)

    broker.enqueue = counting  # type: ignore[method-assign]
    worker = Worker(broker, worker_threads=1)
    worker.start()
    stop = asyncio.Event()
    # three processes' triggers at once: the Redis key lets one send per interval
    triggers = [asyncio.create_task(run_sweep_trigger(broker, redis, s, stop)) for _ in range(3)]
    started = time.monotonic()
    try:
        deadline = time.monotonic() + 20
        while True:
            async with inv.reader(inventory.CONTEXT) as uow:
                if await inventory.available_quantities(uow, [808], redis=redis) == {808: 4}:
                    break
            assert time.monotonic() < deadline, "the sweep did not release the reservation"
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.gather(*triggers)
        elapsed = time.monotonic() - started
        await asyncio.to_thread(worker.stop)
        broker.close()
    # about one send per 0.2 s interval, never one per trigger per interval
    assert 1 <= sent <= elapsed / 0.2 + 2
    async with inv.reader(inventory.CONTEXT) as uow:
        assert await inventory.check(uow) == []
