"""`live.<event>`: turn domain events into live-update notices on Redis pub/sub.

Whichever worker takes the event publishes `order:<id>` (the channel `app/platform/live.py`
names); every API process subscribed to it wakes its subscribers, which re-read the object
through its context's public API. Safe to run twice: a second notice only makes a
subscriber re-read an unchanged object (and answer nothing new).

Another source of live updates is one line in CHANNELS: the event type, and the channels its
payload names (the checkout saga's status event → `checkout:<id>`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import dramatiq
import orjson
from redis.asyncio import Redis

from app.platform import live
from app.platform.broker import Routes
from app.platform.settings import Settings

CONSUMER = "live"

# event type → the channels to notify, from its payload
CHANNELS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "orders.OrderPlaced.v1": lambda p: [f"order:{p['order_id']}"],
    "orders.OrderUpdated.v1": lambda p: [f"order:{p['order_id']}"],
    "checkout.CheckoutStatusChanged.v1": lambda p: [f"checkout:{p['checkout_id']}"],
}


def register(broker: dramatiq.Broker, routes: Routes, settings: Settings) -> None:
    if not settings.redis_url:
        return
    per_loop: dict[int, Redis] = {}  # a client per event loop (the worker's loop thread)
    url, prefix = settings.redis_url, settings.queue_prefix

    async def notify(envelope: dict[str, Any]) -> None:
        loop_id = id(asyncio.get_running_loop())
        if loop_id not in per_loop:
            per_loop[loop_id] = Redis.from_url(url)
        redis = per_loop[loop_id]
        payload = envelope["payload"]
        notice = orjson.dumps({"type": envelope["type"], "status": payload.get("status")})
        for channel in CHANNELS[envelope["type"]](payload):
            await live.publish(redis, prefix, channel, notice)

    for event_type in CHANNELS:
        routes.subscribe(broker, event_type, f"{CONSUMER}.{event_type.split('.')[1]}", notify)
