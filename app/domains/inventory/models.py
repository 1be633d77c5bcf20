"""Inventory tables, all in the `inventory` schema (Core tables: reads map to dataclasses)."""

import sqlalchemy as sa

from app.platform.outbox import add_messaging_tables

SCHEMA = "inventory"
metadata = sa.MetaData(schema=SCHEMA)

# every change to a stock row takes the next value: the newest figure of a variant is the
# one with the highest version, which is how the Redis hot count refuses an older write
stock_version = sa.Sequence("stock_version", metadata=metadata)

warehouses = sa.Table(
    "warehouses",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("code", sa.Text, nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    # ISO country codes this warehouse ships to; empty: everywhere
    sa.Column("countries", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
    # lower ships first among the warehouses serving a country
    sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
)

stock = sa.Table(
    "stock",
    metadata,
    sa.Column("variant_id", sa.BigInteger, primary_key=True),
    sa.Column("warehouse_id", sa.BigInteger, sa.ForeignKey("warehouses.id"), primary_key=True),
    sa.Column("on_hand", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reserved", sa.Integer, nullable=False, server_default="0"),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint("reserved >= 0", name="stock_reserved_not_negative"),
    sa.CheckConstraint("reserved <= on_hand", name="stock_reserved_within_on_hand"),
    sa.Index("stock_updated_at", "updated_at"),
)

# one row per saga: what makes reserve/confirm/release idempotent
reservations = sa.Table(
    "reservations",
    metadata,
    sa.Column("saga_id", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),  # RESERVED, CONFIRMED, RELEASED
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index(
        "reservations_open_expiry",
        "expires_at",
        postgresql_where=sa.text("status = 'RESERVED'"),
    ),
)

reservation_lines = sa.Table(
    "reservation_lines",
    metadata,
    sa.Column(
        "saga_id",
        sa.Text,
        sa.ForeignKey("reservations.saga_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("variant_id", sa.BigInteger, primary_key=True),
    sa.Column("warehouse_id", sa.BigInteger, primary_key=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.CheckConstraint("quantity > 0", name="reservation_lines_quantity_positive"),
)

# the ledger: every change to on_hand or reserved, so the figures can be rebuilt and checked
movements = sa.Table(
    "movements",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("variant_id", sa.BigInteger, nullable=False),
    sa.Column("warehouse_id", sa.BigInteger, nullable=False),
    sa.Column("delta_on_hand", sa.Integer, nullable=False),
    sa.Column("delta_reserved", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("saga_id", sa.Text),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("movements_variant", "variant_id", "warehouse_id"),
)

outbox, inbox = add_messaging_tables(metadata, SCHEMA)
