"""The outbox relay: committed outbox rows → broker, at least once.

Rows are claimed with `FOR UPDATE SKIP LOCKED`, so any number of relays can run side by
side; a row is marked sent in the same transaction that claimed it, after the broker
accepted it. A crash between the two resends the row, which consumers dedup by event id.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
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


async def run_relay(
    db: Database,
    contexts: Sequence[str],
    publish: Publish,
    *,
    interval: float,
    stop: asyncio.Event,
    retention: timedelta = timedelta(days=7),
    prune_every: float = 300.0,
) -> None:
    """Relay until `stop` is set; sleeps `interval` only when the outbox was empty, and
    prunes what is older than `retention` every `prune_every` seconds."""
    next_prune = time.monotonic()
    while not stop.is_set():
        if time.monotonic() >= next_prune:
            next_prune = time.monotonic() + prune_every
            try:
                if removed := await prune(db, contexts, retention):
                    log.info("pruned %d outbox/inbox rows older than %s", removed, retention)
            except Exception:
                log.exception("pruning the outbox failed; retrying later")
        try:
            sent = await relay_batch(db, contexts, publish)
        except Exception:
            log.exception("relay batch failed; retrying")
            sent = 0
        if sent:
            log.debug("relayed %d events", sent)
            continue
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass
