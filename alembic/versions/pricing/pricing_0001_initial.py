"""pricing: discount codes and redemptions, shipping zones and methods, tax rates, outbox/inbox

Revision ID: pricing_0001
Revises:
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "pricing_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("pricing",)
depends_on: Sequence[str] | None = None

S = "pricing"
AMOUNT = sa.Numeric(20, 4)


def _created() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "discount_codes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("value", AMOUNT, nullable=False),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("minimum_subtotal", AMOUNT, nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("usage_limit_per_customer", sa.Integer(), nullable=True),
        sa.Column("used_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("automatic", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "product_ids", postgresql.ARRAY(sa.BigInteger()), server_default="{}", nullable=False
        ),
        sa.Column(
            "category_ids", postgresql.ARRAY(sa.BigInteger()), server_default="{}", nullable=False
        ),
        _created(),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("used_count >= 0", name="discount_codes_used_count_check"),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_index(
        "discount_codes_code_key", "discount_codes", [sa.text("lower(code)")], unique=True, schema=S
    )
    op.create_table(
        "discount_redemptions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code_id", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        _created(),
        sa.ForeignKeyConstraint(["code_id"], [f"{S}.discount_codes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_id", "reference", name="discount_redemptions_code_reference_key"),
        schema=S,
    )
    op.create_index(
        "discount_redemptions_reference", "discount_redemptions", ["reference"], schema=S
    )
    op.create_index(
        "discount_redemptions_customer",
        "discount_redemptions",
        ["code_id", "customer_id"],
        schema=S,
    )
    op.create_index(
        "discount_redemptions_email", "discount_redemptions", ["code_id", "email"], schema=S
    )
    op.create_table(
        "shipping_zones",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("countries", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_table(
        "shipping_methods",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("zone_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("rate", AMOUNT, server_default="0", nullable=False),
        sa.Column(
            "weight_rates",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("free_over", AMOUNT, nullable=True),
        _created(),
        sa.ForeignKeyConstraint(["zone_id"], [f"{S}.shipping_zones.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_index(
        op.f("ix_pricing_shipping_methods_zone_id"), "shipping_methods", ["zone_id"], schema=S
    )
    op.create_table(
        "tax_rates",
        sa.Column("country", sa.Text(), nullable=False),
        sa.Column("province", sa.Text(), server_default="", nullable=False),
        sa.Column("rate", sa.Numeric(9, 6), nullable=False),
        sa.PrimaryKeyConstraint("country", "province"),
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
    for table in (
        "outbox",
        "inbox",
        "tax_rates",
        "shipping_methods",
        "shipping_zones",
        "discount_redemptions",
        "discount_codes",
    ):
        op.drop_table(table, schema=S)
