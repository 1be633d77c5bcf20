"""The sweeper: releases reservations past their expiry, refreshes recent hot counts."""

from __future__ import annotations

import logging

from redis.asyncio import Redis

from app.domains.inventory.errors import InventoryError
from app.domains.inventory.service.ledger import DEFAULT_LOW_STOCK
from app.domains.inventory.service.reservations import expired_sagas, release
from app.domains.inventory.service.stock import refresh_recent
from app.platform.db import Database

log = logging.getLogger("emporium.inventory")
CONTEXT = "inventory"


async def release_expired(
    db: Database,
    *,
    redis: Redis | None = None,
    limit: int = 500,
    low_stock: int = DEFAULT_LOW_STOCK,
) -> int:
    """Release every reservation held past its expiry (each in its own transaction, so a
    confirm racing the sweep wins or loses cleanly); returns how many were released."""
    async with db.reader(CONTEXT) as uow:
        sagas = await expired_sagas(uow, limit=limit)
    released = 0
    for saga_id in sagas:
        async with db.uow(CONTEXT) as uow:
            try:
                r = await release(uow, saga_id, redis=redis, low_stock=low_stock, only_expired=True)
            except InventoryError:
                log.exception("expired reservation %s not released", saga_id)
                continue
        released += r.status == "RELEASED"
    async with db.reader(CONTEXT) as uow:
        await refresh_recent(uow, redis)
    return released
