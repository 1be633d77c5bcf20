"""The checkout context's tables, in the `checkout` schema: one saga per idempotency key,
its current step, outcome and history, so any worker can continue it."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from app.platform.outbox import add_messaging_tables

SCHEMA = "checkout"
metadata = sa.MetaData(schema=SCHEMA)


def _ts(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


sagas = sa.Table(
    "sagas",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
    sa.Column("cart_id", sa.Text, nullable=False),
    sa.Column("customer_id", sa.BigInteger, nullable=True),
    sa.Column("email", sa.Text, nullable=True),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("gateway", sa.Text, nullable=False),
    sa.Column("token", sa.Text, nullable=False),
    sa.Column("shipping_address", JSONB, nullable=True),
    sa.Column("status", sa.Text, nullable=False, server_default="PROCESSING"),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("step", sa.Text, nullable=False),
    sa.Column("snapshot", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("order_id", sa.BigInteger, nullable=True),
    sa.Column("history", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    _ts("created_at"),
    _ts("updated_at"),
)
sa.Index(
    "sagas_processing",
    sagas.c.updated_at,
    postgresql_where=sagas.c.status == "PROCESSING",
)

outbox, inbox = add_messaging_tables(metadata, SCHEMA)
