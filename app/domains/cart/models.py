"""The cart's Postgres tables, in the `cart` schema: the snapshots that back Redis.

Redis holds live carts; a snapshot is written for a cart idle for CART_SNAPSHOT_IDLE
seconds, and every write goes here directly while Redis is unreachable.
"""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from app.platform.outbox import add_messaging_tables

SCHEMA = "cart"
metadata = sa.MetaData(schema=SCHEMA)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("cart_id", sa.Text, primary_key=True),
    sa.Column("customer_id", sa.BigInteger),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("data", JSONB, nullable=False),
    # written while Redis was down: Redis's copy (if any) is older and is dropped once
    # Redis answers again
    sa.Column("redis_stale", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index(
        "snapshots_customer", "customer_id", postgresql_where=sa.text("customer_id IS NOT NULL")
    ),
    sa.Index("snapshots_redis_stale", "cart_id", postgresql_where=sa.text("redis_stale")),
)

outbox, inbox = add_messaging_tables(metadata, SCHEMA)
