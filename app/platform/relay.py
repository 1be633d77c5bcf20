"""The outbox relay: committed outbox rows → broker, at least once.

Rows are claimed with `FOR UPDATE SKIP LOCKED`, so any number of relays can run side by
side; a row is marked sent in the same transaction that claimed it, after the broker
accepted it. A crash between the two resends the row, which consumers dedup by event id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
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
) -> None:
    """Relay until `stop` is set; sleeps `interval` only when the outbox was empty."""
    while not stop.is_set():
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
