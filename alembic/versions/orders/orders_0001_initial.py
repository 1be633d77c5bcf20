"""orders: orders (range-partitioned by month on created_at), order_index, outbox/inbox

Revision ID: orders_0001
Revises:
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "orders_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("orders",)
depends_on: Sequence[str] | None = None

S = "orders"


def upgrade() -> None:
    op.execute(f"CREATE SEQUENCE {S}.order_id_seq")
    # human-friendly order numbers (#1001, …): increasing, never reused, not gap-free
    op.execute(f"CREATE SEQUENCE {S}.order_number_seq START WITH 1001")
    # monthly partitions (orders_yYYYYmMM) are created by the code that inserts
    # (orders.ensure_partition) and the maintenance call orders.ensure_partitions
    op.execute(
        f"""
        CREATE TABLE {S}.orders (
            id bigint NOT NULL,
            created_at timestamptz NOT NULL,
            number bigint NOT NULL,
            reference text NOT NULL,
            status text NOT NULL,
            currency text NOT NULL,
            email text NOT NULL,
            customer_id bigint,
            token_hash text NOT NULL,
            shipping_address jsonb,
            billing_address jsonb,
            lines jsonb NOT NULL,
            subtotal numeric(20, 4) NOT NULL,
            discount_total numeric(20, 4) NOT NULL,
            shipping_total numeric(20, 4) NOT NULL,
            tax_total numeric(20, 4) NOT NULL,
            total numeric(20, 4) NOT NULL,
            refunded_total numeric(20, 4) NOT NULL DEFAULT 0,
            payment_reference text,
            fulfillments jsonb NOT NULL DEFAULT '[]',
            history jsonb NOT NULL DEFAULT '[]',
            updated_at timestamptz NOT NULL,
            CONSTRAINT orders_pkey PRIMARY KEY (id, created_at),
            CONSTRAINT orders_refund CHECK (refunded_total >= 0 AND refunded_total <= total)
        ) PARTITION BY RANGE (created_at)
        """
    )
    op.execute(f"CREATE INDEX orders_created ON {S}.orders (created_at, id)")
    op.execute(f"CREATE INDEX orders_customer ON {S}.orders (customer_id, created_at, id)")
    op.execute(f"CREATE INDEX orders_status ON {S}.orders (status, created_at, id)")
    op.create_table(
        "order_index",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archive", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("reference"),
        schema=S,
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.Text(), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column(
            "handled_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
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
        "outbox_unsent", "outbox", ["id"], schema=S, postgresql_where=sa.text("sent_at IS NULL")
    )


def downgrade() -> None:
    for table in ("outbox", "inbox", "order_index", "orders"):
        op.drop_table(table, schema=S)
    op.execute(f"DROP SEQUENCE {S}.order_number_seq")
    op.execute(f"DROP SEQUENCE {S}.order_id_seq")
