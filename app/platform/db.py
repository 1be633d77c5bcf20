"""Async engines (one per distinct URL) and a unit of work per bounded context."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.platform.events import Event
from app.platform.outbox import claim_event, outbox_rows
from app.platform.settings import Settings


@dataclass(frozen=True)
class PoolStats:
    database: str
    size: int
    checked_out: int
    overflow: int
    opened: int  # connections opened since start: flat under steady load


class Database:
    """Engines keyed by URL: contexts sharing a database share a pool.

    Built in the application's lifespan or a worker's start, never at import.
    """

    def __init__(self, settings: Settings, *, pool_size: int | None = None) -> None:
        self._settings = settings
        self._pool_size = pool_size or settings.db_pool_size
        self._engines: dict[str, AsyncEngine] = {}
        self._makers: dict[str, async_sessionmaker[AsyncSession]] = {}
        self._readers: dict[str, async_sessionmaker[AsyncSession]] = {}
        self._listeners: list[Callable[[str], None]] = []
        self._opened: dict[str, int] = {}

    @property
    def settings(self) -> Settings:
        return self._settings

    def engine(self, context: str) -> AsyncEngine:
        url = self._settings.database_url_for(context)
        engine = self._engines.get(url)
        if engine is None:
            engine = create_async_engine(
                url,
                pool_size=self._pool_size,
                max_overflow=self._settings.db_pool_overflow,
                pool_timeout=self._settings.db_pool_timeout,
                pool_pre_ping=False,
                # statement parameters carry secrets (an outbox event's reset token, a
                # password hash): never in a log line or an exception's message
                hide_parameters=True,
                # JSONB columns decode with orjson: several times faster than the stdlib
                json_serializer=lambda v: orjson.dumps(v).decode(),
                json_deserializer=orjson.loads,
                connect_args={"server_settings": {"application_name": "emporium"}},
            )
            event.listen(engine.sync_engine, "before_cursor_execute", self._on_execute)
            event.listen(engine.sync_engine, "connect", self._on_connect(url))
            self._engines[url] = engine
            self._makers[url] = async_sessionmaker(engine, expire_on_commit=False)
            # reads need no transaction: autocommit saves the BEGIN and ROLLBACK round trips
            self._readers[url] = async_sessionmaker(
                engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
            )
        return engine

    def uow(self, context: str) -> UnitOfWork:
        self.engine(context)
        return UnitOfWork(self._makers[self._settings.database_url_for(context)], context)

    def reader(self, context: str) -> UnitOfWork:
        """A read-only unit of work: each statement runs on its own, no transaction."""
        self.engine(context)
        return UnitOfWork(
            self._readers[self._settings.database_url_for(context)], context, readonly=True
        )

    @contextlib.asynccontextmanager
    async def exclusive(self, context: str, name: str) -> AsyncIterator[None]:
        """Hold the Postgres advisory lock `name`: one holder at a time across every replica."""
        async with self.engine(context).connect() as conn:
            await conn.execute(sa.text("SELECT pg_advisory_lock(hashtext(:n))"), {"n": name})
            try:
                yield
            finally:
                await conn.execute(sa.text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": name})
                await conn.commit()

    def _on_connect(self, url: str) -> Callable[..., None]:
        self._opened[url] = 0

        def opened(*args: Any) -> None:
            self._opened[url] += 1

        return opened

    def pool_stats(self) -> list[PoolStats]:
        """Each pool's use right now, for /metrics: size, in use, overflow, opened so far."""
        stats = []
        for url, engine in self._engines.items():
            pool = engine.sync_engine.pool
            stats.append(
                PoolStats(
                    database=sa.engine.make_url(url).database or "",
                    size=self._pool_size,
                    checked_out=int(getattr(pool, "checkedout", lambda: 0)()),
                    overflow=max(0, int(getattr(pool, "overflow", lambda: 0)())),
                    opened=self._opened.get(url, 0),
                )
            )
        return stats

    def on_statement(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Observe every SQL statement (the query-count tests use it); returns an undo."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _on_execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        for listener in self._listeners:
            listener(statement)

    async def dispose(self) -> None:
        for engine in self._engines.values():
            await engine.dispose()
        self._engines.clear()
        self._makers.clear()
        self._readers.clear()


def is_data_error(exc: BaseException | None) -> bool:
    """Postgres refused a value the request carried (SQLSTATE class 22: out of range,
    invalid text such as a NUL byte, …): the client's error, not the server's."""
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(
        getattr(orig, "__cause__", None), "sqlstate", None
    )
    return isinstance(sqlstate, str) and sqlstate.startswith("22")


class UnitOfWork:
    """One transaction in one context's schema, with the events it will announce.

    `emit()` queues an event; `commit()` writes the queued events to the context's
    outbox in the same transaction as the change, then commits once.
    """

    def __init__(
        self, maker: async_sessionmaker[AsyncSession], context: str, *, readonly: bool = False
    ) -> None:
        self._maker = maker
        self.context = context
        self.readonly = readonly
        self._events: list[Event] = []
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._maker()
        self._events = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if session.in_transaction():
                await session.rollback()
        finally:
            await session.close()
            self._session = None
            self._events = []

    def emit(self, event: Event) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a reader cannot commit: use Database.uow() to write")
        if self._events:
            table, rows = outbox_rows(self.context, self._events)
            await self.session.execute(table.insert(), rows)
            self._events = []
        await self.session.commit()

    async def rollback(self) -> None:
        self._events = []
        await self.session.rollback()

    async def claim(self, consumer: str, event_id: str) -> bool:
        """Idempotent consumers: False when this consumer already handled the event."""
        return await claim_event(self.session, self.context, consumer, event_id)
