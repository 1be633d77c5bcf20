"""Pricing tables, all in the `pricing` schema: discount codes and their redemptions,
shipping zones and methods, tax rates, and the outbox/inbox pair."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from app.platform.outbox import add_messaging_tables

SCHEMA = "pricing"
metadata = sa.MetaData(schema=SCHEMA)
AMOUNT = sa.Numeric(20, 4)  # wide enough for every currency's minor unit (CLF has 4)


def _created() -> sa.Column[Any]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


discount_codes = sa.Table(
    "discount_codes",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("code", sa.Text, nullable=False),  # stored upper case; unique ignoring case
    sa.Column("kind", sa.Text, nullable=False),  # PERCENTAGE | FIXED_AMOUNT
    sa.Column("value", AMOUNT, nullable=False),
    sa.Column("currency", sa.Text),
    sa.Column("minimum_subtotal", AMOUNT),
    sa.Column("starts_at", sa.DateTime(timezone=True)),
    sa.Column("ends_at", sa.DateTime(timezone=True)),
    sa.Column("usage_limit", sa.Integer),
    sa.Column("usage_limit_per_customer", sa.Integer),
    sa.Column("used_count", sa.Integer, nullable=False, server_default="0"),
    # applies to every cart it fits without being entered
    sa.Column("automatic", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("product_ids", ARRAY(sa.BigInteger), nullable=False, server_default="{}"),
    sa.Column("category_ids", ARRAY(sa.BigInteger), nullable=False, server_default="{}"),
    _created(),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint("used_count >= 0", name="discount_codes_used_count_check"),
)
sa.Index("discount_codes_code_key", sa.func.lower(discount_codes.c.code), unique=True)

# one row per code a checkout used; `reference` is the caller's (the saga id)
discount_redemptions = sa.Table(
    "discount_redemptions",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "code_id",
        sa.BigInteger,
        sa.ForeignKey("discount_codes.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("customer_id", sa.BigInteger),
    sa.Column("email", sa.Text),  # lower-cased
    _created(),
    sa.UniqueConstraint("code_id", "reference", name="discount_redemptions_code_reference_key"),
    sa.Index("discount_redemptions_reference", "reference"),
    sa.Index("discount_redemptions_customer", "code_id", "customer_id"),
    sa.Index("discount_redemptions_email", "code_id", "email"),
)

shipping_zones = sa.Table(
    "shipping_zones",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("countries", ARRAY(sa.Text), nullable=False, server_default="{}"),
    _created(),
)

shipping_methods = sa.Table(
    "shipping_methods",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "zone_id",
        sa.BigInteger,
        sa.ForeignKey("shipping_zones.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),  # FLAT | WEIGHT
    sa.Column("rate", AMOUNT, nullable=False, server_default="0"),
    # WEIGHT: [{"up_to_grams": 1000, "amount": "5.00"}, …]
    sa.Column("weight_rates", JSONB, nullable=False, server_default="[]"),
    sa.Column("free_over", AMOUNT),
    _created(),
)

tax_rates = sa.Table(
    "tax_rates",
    metadata,
    sa.Column("country", sa.Text, primary_key=True),
    sa.Column("province", sa.Text, primary_key=True, server_default=""),
    sa.Column("rate", sa.Numeric(9, 6), nullable=False),
)

outbox, inbox = add_messaging_tables(metadata, SCHEMA)
