"""`inventory.sweep`: release reservations past their expiry and re-publish recent hot counts.

A trigger (`run_sweep_trigger`) sends one sweep message per interval across every process
that runs it: a Redis key set with NX and the interval as expiry elects the sender, so ten
worker replicas still sweep once a second, and the sweep itself is safe to run twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import dramatiq
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.domains import inventory
from app.platform.broker import Routes
from app.platform.db import Database
from app.platform.settings import Settings

SWEEP = "inventory.sweep"
TICK_KEY = "inventory:sweep-tick"
log = logging.getLogger("emporium.inventory")


def register(broker: dramatiq.Broker, routes: Routes, settings: Settings) -> None:
    # one Database and Redis client per event loop: the worker's loop thread owns them
    per_loop: dict[int, tuple[Database, Redis]] = {}

    async def sweep() -> None:
        loop_id = id(asyncio.get_running_loop())
        if loop_id not in per_loop:
            assert settings.redis_url
            per_loop[loop_id] = (
                Database(settings, pool_size=2),
                Redis.from_url(settings.redis_url),
            )
        db, redis = per_loop[loop_id]
        released = await inventory.release_expired(
            db, redis=redis, low_stock=settings.inventory_low_stock_threshold
        )
        if released:
            log.info("released %d expired reservation(s)", released)

    dramatiq.actor(
        broker=broker,
        actor_name=SWEEP,
        queue_name=f"{routes.queue_prefix}inventory",
        max_retries=0,  # the next tick is the retry
        time_limit=60_000,
    )(sweep)


async def run_sweep_trigger(
    broker: dramatiq.Broker, redis: Redis, settings: Settings, stop: asyncio.Event
) -> None:
    """Send `inventory.sweep` once per INVENTORY_SWEEP_INTERVAL among all processes running
    this, until `stop`."""
    actor: Any = broker.get_actor(SWEEP)
    interval = settings.inventory_sweep_interval
    key = f"{settings.queue_prefix}{TICK_KEY}"
    while not stop.is_set():
        try:
            if await redis.set(key, "1", nx=True, px=max(1, int(interval * 1000))):
                await asyncio.to_thread(actor.send)
        except (RedisError, OSError, dramatiq.errors.DramatiqError):
            log.warning("inventory sweep not triggered this tick", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
