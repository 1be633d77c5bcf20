"""The outbox relay: committed outbox rows → broker, at least once.

Rows are claimed with `FOR UPDATE SKIP LOCKED`, so any number of relays can run side by
side; a row is marked sent in the same transaction that claimed it, after the broker
accepted it. A crash between the two resends the row, which consumers dedup by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app.platform.db import Database
from app.platform.outbox import messaging_tables

log = logging.getLogger("emporium.relay")

Publish = Callable[[dict[str, Any]], int]


async def relay_batch(
    db: Database, contexts: Sequence[str], publish: Publish, *, batch_size: int = 200
) -> int:
    """Send up to `batch_size` unsent events per context; returns how many were sent."""
    sent = 0
    for context in contexts:
        outbox, _ = messaging_tables(context)
        async with db.engine(context).begin() as conn:
            rows = (
                await conn.execute(
                    sa.select(
                        outbox.c.id,
                        outbox.c.event_id,
                        outbox.c.type,
                        outbox.c.payload,
                        outbox.c.occurred_at,
                    )
                    .where(outbox.c.sent_at.is_(None))
                    .order_by(outbox.c.id)
                    .limit(batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                continue
            envelopes = [
                {
                    "id": str(r.event_id),
                    "type": r.type,
                    "occurred_at": r.occurred_at.isoformat(),
                    "payload": r.payload,
                }
                for r in rows
            ]
            await asyncio.to_thread(_publish_all, publish, envelopes)
            await conn.execute(
                sa.update(outbox)
                .where(outbox.c.id.in_([r.id for r in rows]))
                .values(sent_at=sa.func.now())
            )
            sent += len(rows)
    return sent


async def prune(db: Database, contexts: Sequence[str], older_than: timedelta) -> int:
    """Delete sent outbox rows and inbox records older than `older_than`; returns how many.

    An inbox record only has to outlive redeliveries of its event (minutes), so a retention
    of days keeps both tables small without weakening deduplication.
    """
    removed = 0
    for context in contexts:
        outbox, inbox = messaging_tables(context)
        async with db.engine(context).begin() as conn:
            cutoff = sa.func.now() - older_than
            r1 = await conn.execute(sa.delete(outbox).where(outbox.c.sent_at < cutoff))
            r2 = await conn.execute(sa.delete(inbox).where(inbox.c.handled_at < cutoff))
            removed += (r1.rowcount or 0) + (r2.rowcount or 0)
    return removed


def _publish_all(publish: Publish, envelopes: list[dict[str, Any]]) -> None:
    for envelope in envelopes:
        publish(envelope)


@dataclass
class RelayStatus:
    """What the relay is going through, for /readyz and /metrics: up, or how long it has
    been failing and why."""

    up: bool = True
    consecutive_failures: int = 0
    attempts: int = 0  # batches tried, good or bad
    error: str = ""
    down_since: float | None = None  # time.time() of the first failure of this outage

    def failed(self, exc: BaseException) -> bool:
        """Count a failure; True when it starts an outage (the one time to log it)."""
        self.consecutive_failures += 1
        self.error = _reason(exc)
        if not self.up:
            return False
        self.up = False
        self.down_since = time.time()
        return True

    def recovered(self) -> tuple[int, float] | None:
        """Back to normal; (failures, seconds down) when this ends an outage."""
        if self.up:
            return None
        ended = (self.consecutive_failures, time.time() - (self.down_since or time.time()))
        self.up, self.consecutive_failures, self.error, self.down_since = True, 0, "", None
        return ended


def backoff(failures: int, base: float, cap: float) -> float:
    """Seconds before the next try after `failures` failures in a row: exponential from
    `base`, at most `cap`, with jitter (half fixed, half random) so that many relays
    coming back together do not retry in step."""
    ceiling = min(cap, base * 2 ** min(failures - 1, 32))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def run_relay(
    db: Database,
    contexts: Sequence[str],
    publish: Publish,
    *,
    interval: float,
    stop: asyncio.Event,
    retention: timedelta = timedelta(days=7),
    prune_every: float = 300.0,
    max_backoff: float = 30.0,
    status: RelayStatus | None = None,
) -> None:
    """Relay until `stop` is set; sleeps `interval` only when the outbox was empty, and
    prunes what is older than `retention` every `prune_every` seconds.

    While the database or the broker is down, retries back off exponentially (with
    jitter) up to `max_backoff` seconds, and the log gets one line when the outage
    starts and one when it ends, never a traceback per retry. `status` shows it.
    """
    status = status if status is not None else RelayStatus()
    next_prune = time.monotonic()
    while not stop.is_set():
        try:
            if time.monotonic() >= next_prune:
                next_prune = time.monotonic() + prune_every
                if removed := await prune(db, contexts, retention):
                    log.info("pruned %d outbox/inbox rows older than %s", removed, retention)
            status.attempts += 1
            sent = await relay_batch(db, contexts, publish)
        except Exception as exc:
            if status.failed(exc):
                log.warning(
                    "relay: cannot deliver events (%s); retrying with backoff up to %gs",
                    status.error,
                    max_backoff,
                )
            log.debug("relay attempt %d failed", status.consecutive_failures, exc_info=True)
            delay = backoff(status.consecutive_failures, interval, max_backoff)
            await _sleep_unless_stopped(stop, delay)
            continue
        if ended := status.recovered():
            failures, seconds = ended
            log.info(
                "relay: delivering events again after %d failed attempts (%.0fs)",
                failures,
                seconds,
            )
        if sent:
            log.debug("relayed %d events", sent)
            continue
        await _sleep_unless_stopped(stop, interval)


async def _sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
