"""inventory: warehouses, stock, reservations, the movement ledger, outbox/inbox

Revision ID: inventory_0001
Revises:
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "inventory_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("inventory",)
depends_on: Sequence[str] | None = None

S = "inventory"


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("stock_version", schema=S)))
    op.create_table(
        "warehouses",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("countries", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("priority", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        schema=S,
    )
    # every store starts with one warehouse shipping everywhere: stock has somewhere to be
    op.execute(f"INSERT INTO {S}.warehouses (code, name) VALUES ('default', 'Main warehouse')")
    op.create_table(
        "stock",
        sa.Column("variant_id", sa.BigInteger(), nullable=False),
        sa.Column("warehouse_id", sa.BigInteger(), nullable=False),
        sa.Column("on_hand", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reserved", sa.Integer(), server_default="0", nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("reserved >= 0", name="stock_reserved_not_negative"),
        sa.CheckConstraint("reserved <= on_hand", name="stock_reserved_within_on_hand"),
        sa.ForeignKeyConstraint(["warehouse_id"], [f"{S}.warehouses.id"]),
        sa.PrimaryKeyConstraint("variant_id", "warehouse_id"),
        schema=S,
    )
    op.create_index("stock_updated_at", "stock", ["updated_at"], schema=S)
    op.create_table(
        "reservations",
        sa.Column("saga_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("saga_id"),
        schema=S,
    )
    op.create_index(
        "reservations_open_expiry",
        "reservations",
        ["expires_at"],
        schema=S,
        postgresql_where=sa.text("status = 'RESERVED'"),
    )
    op.create_table(
        "reservation_lines",
        sa.Column("saga_id", sa.Text(), nullable=False),
        sa.Column("variant_id", sa.BigInteger(), nullable=False),
        sa.Column("warehouse_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="reservation_lines_quantity_positive"),
        sa.ForeignKeyConstraint(
            ["saga_id"], [f"{S}.reservations.saga_id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("saga_id", "variant_id", "warehouse_id"),
        schema=S,
    )
    op.create_table(
        "movements",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("variant_id", sa.BigInteger(), nullable=False),
        sa.Column("warehouse_id", sa.BigInteger(), nullable=False),
        sa.Column("delta_on_hand", sa.Integer(), nullable=False),
        sa.Column("delta_reserved", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("saga_id", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_index("movements_variant", "movements", ["variant_id", "warehouse_id"], schema=S)
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.Text(), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column(
            "handled_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
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
    op.execute("DROP SCHEMA inventory CASCADE")
