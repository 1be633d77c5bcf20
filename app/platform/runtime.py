"""The handles a process holds while it runs: settings, database, Redis, broker, routes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import dramatiq
from redis.asyncio import Redis

from app.platform.broker import Routes
from app.platform.db import Database
from app.platform.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    db: Database
    redis: Redis
    broker: dramatiq.Broker
    routes: Routes
    extra: dict[str, Any] = field(default_factory=dict)

    async def close(self) -> None:
        await self.db.dispose()
        await self.redis.aclose()
        self.broker.close()
