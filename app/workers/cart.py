"""`cart.snapshot`: copy idle carts from Redis to Postgres, drop Redis copies made stale by
an outage, delete expired snapshots. Safe to run twice (each step is version-guarded).

The trigger (`run_snapshot_trigger`) sends it every CART_SNAPSHOT_INTERVAL seconds from
the process that runs the relay (`emporium serve` embedded, `emporium relay` distributed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import dramatiq

from app.domains import cart
from app.platform.broker import Routes
from app.platform.db import Database
from app.platform.settings import Settings

log = logging.getLogger("emporium.cart")
SNAPSHOT_DUE = "cart.SnapshotDue.v1"
CONSUMER = "cart.snapshot"


async def snapshot_pass(store: cart.CartStore, idle_seconds: float) -> dict[str, int]:
    """One pass of the snapshot worker's duties."""
    return {
        "reconciled": await store.reconcile(),
        "snapshotted": await store.snapshot_idle(idle_seconds),
        "expired": await store.sweep_expired(),
    }


def register(broker: dramatiq.Broker, routes: Routes, settings: Settings) -> None:
    # one store (Database + Redis client) per event loop: the worker's loop thread owns it
    per_loop: dict[int, cart.CartStore] = {}

    async def snapshot(envelope: dict[str, Any]) -> None:
        loop_id = id(asyncio.get_running_loop())
        if loop_id not in per_loop:
            db = Database(settings, pool_size=2)
            per_loop[loop_id] = cart.build_store(settings, db, cart.cart_redis(settings))
        done = await snapshot_pass(per_loop[loop_id], settings.cart_snapshot_idle)
        if any(done.values()):
            log.info("cart snapshot pass: %s", done)

    # a pass that fails is not retried: the next trigger comes within the interval
    routes.subscribe(broker, SNAPSHOT_DUE, CONSUMER, snapshot, queue="cart", max_retries=0)


async def run_snapshot_trigger(routes: Routes, interval: float, stop: asyncio.Event) -> None:
    """Send `cart.snapshot` every `interval` seconds until `stop` is set."""
    envelope = {"type": SNAPSHOT_DUE, "payload": {}}
    while not stop.is_set():
        try:
            await asyncio.to_thread(routes.publish, envelope)
        except Exception as exc:  # the broker is down: the relay says so; try next time
            log.warning("could not trigger the cart snapshot: %r", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
