"""cart: snapshots of Redis carts (and the writes made while Redis was down), outbox/inbox

Revision ID: cart_0001
Revises:
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "cart_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("cart",)
depends_on: Sequence[str] | None = None

S = "cart"


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("cart_id", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("redis_stale", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("cart_id"),
        schema=S,
    )
    op.create_index(
        "snapshots_customer",
        "snapshots",
        ["customer_id"],
        schema=S,
        postgresql_where=sa.text("customer_id IS NOT NULL"),
    )
    op.create_index(
        "snapshots_redis_stale",
        "snapshots",
        ["cart_id"],
        schema=S,
        postgresql_where=sa.text("redis_stale"),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.Text(), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column(
            "handled_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
        schema=S,
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
        schema=S,
    )
    op.create_index(
        "outbox_unsent",
        "outbox",
        ["id"],
        schema=S,
        postgresql_where=sa.text("sent_at IS NULL"),
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA cart CASCADE")
