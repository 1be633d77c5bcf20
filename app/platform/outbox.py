"""The transactional outbox and the consumer inbox, one pair per context schema.

A change and the event announcing it commit in the same transaction (the outbox row);
the relay sends committed rows later. Consumers record handled event ids in their
own schema's inbox so a redelivered event is a no-op.
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.platform.events import Event


def add_messaging_tables(metadata: sa.MetaData, schema: str) -> tuple[sa.Table, sa.Table]:
    outbox = sa.Table(
        "outbox",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Index("outbox_unsent", "id", postgresql_where=sa.text("sent_at IS NULL")),
        schema=schema,
    )
    inbox = sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.Text, primary_key=True),
        sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "handled_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=schema,
    )
    return outbox, inbox


@cache
def messaging_tables(schema: str) -> tuple[sa.Table, sa.Table]:
    """The platform's own handle on a schema's outbox and inbox."""
    return add_messaging_tables(sa.MetaData(), schema)


def outbox_rows(schema: str, events: list[Event]) -> tuple[sa.Table, list[dict[str, Any]]]:
    outbox, _ = messaging_tables(schema)
    return outbox, [
        {
            "event_id": e.event_id,
            "type": e.type_name,
            "payload": e.payload(),
            "occurred_at": e.occurred_at,
        }
        for e in events
    ]


async def claim_event(session: AsyncSession, schema: str, consumer: str, event_id: str) -> bool:
    """Record that `consumer` handles `event_id`; False if it already did.

    Call inside the consumer's transaction: if the handling rolls back, so does the claim.
    """
    _, inbox = messaging_tables(schema)
    result = await session.execute(
        insert(inbox)
        .values(consumer=consumer, event_id=uuid.UUID(event_id))
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )
    return result.first() is not None
