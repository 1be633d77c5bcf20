"""`frontdoor.invalidate`: drop the cached answers a catalog change touches, on every replica.

The event names the product (or category); the response cache deletes the entries tagged
with it in Redis and publishes their keys, which each API process's listener drops from its
own LRU. Safe to run twice: a second run finds nothing left to drop.
"""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq
from redis.asyncio import Redis

from app.domains import catalog, inventory
from app.platform.broker import Routes
from app.platform.response_cache import ResponseCache, tags_for_change
from app.platform.settings import Settings

CONSUMER = "frontdoor.invalidate"


def register(broker: dramatiq.Broker, routes: Routes, settings: Settings) -> None:
    if settings.response_cache_ttl <= 0 or not settings.redis_url:
        return
    per_loop: dict[int, ResponseCache] = {}  # the worker's loop thread owns its client
    url = settings.redis_url

    async def invalidate(envelope: dict[str, Any]) -> None:
        loop_id = id(asyncio.get_running_loop())
        if loop_id not in per_loop:
            per_loop[loop_id] = ResponseCache(
                Redis.from_url(url), prefix=settings.queue_prefix, ttl=settings.response_cache_ttl
            )
        await per_loop[loop_id].invalidate(tags_for_change(envelope["type"], envelope["payload"]))

    for event in (catalog.ProductChanged, catalog.CategoryChanged, inventory.AvailabilityChanged):
        routes.subscribe(
            broker, event.type_name, f"{CONSUMER}.{event.type_name.split('.')[1]}", invalidate
        )
