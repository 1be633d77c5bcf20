"""Orders tables, all in the `orders` schema.

`orders` is range-partitioned by month on `created_at` (its primary key includes it, as
Postgres requires); partitions are named `orders_yYYYYmMM` and created ahead by
`ensure_partition` (placing an order creates its month's if missing). `order_index` is
small and unpartitioned: one row per order ever placed, live or archived, so an order is
found by id, number or checkout reference without scanning every partition, and an
archived one by the file that holds it.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from app.platform.outbox import add_messaging_tables

SCHEMA = "orders"
metadata = sa.MetaData(schema=SCHEMA)
AMOUNT = sa.Numeric(20, 4)

order_id_seq = sa.Sequence("order_id_seq", schema=SCHEMA, metadata=metadata)
# human-friendly numbers: #1001, #1002, … (a sequence: never reused, not gap-free)
order_number_seq = sa.Sequence("order_number_seq", schema=SCHEMA, start=1001, metadata=metadata)


def _amount(name: str) -> sa.Column[Any]:
    return sa.Column(name, AMOUNT, nullable=False)


orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("number", sa.BigInteger, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("customer_id", sa.BigInteger),
    sa.Column("token_hash", sa.Text, nullable=False),
    sa.Column("shipping_address", JSONB),
    sa.Column("billing_address", JSONB),
    sa.Column("lines", JSONB, nullable=False),
    _amount("subtotal"),
    _amount("discount_total"),
    _amount("shipping_total"),
    _amount("tax_total"),
    _amount("total"),
    sa.Column("refunded_total", AMOUNT, nullable=False, server_default="0"),
    sa.Column("payment_reference", sa.Text),
    sa.Column("fulfillments", JSONB, nullable=False, server_default="[]"),
    sa.Column("history", JSONB, nullable=False, server_default="[]"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("refunded_total >= 0 AND refunded_total <= total", name="orders_refund"),
    sa.Index("orders_created", "created_at", "id"),
    sa.Index("orders_customer", "customer_id", "created_at", "id"),
    sa.Index("orders_status", "status", "created_at", "id"),
    postgresql_partition_by="RANGE (created_at)",
)

order_index = sa.Table(
    "order_index",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("number", sa.BigInteger, nullable=False, unique=True),
    sa.Column("reference", sa.Text, nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # where the order lives once its month is archived (a gzip JSONL file); NULL: live
    sa.Column("archive", sa.Text),
)

outbox, inbox = add_messaging_tables(metadata, SCHEMA)
