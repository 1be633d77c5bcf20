"""customers: accounts, addresses, staff, sessions and refresh tokens, resets, outbox/inbox

Revision ID: customers_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "customers_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("customers",)
depends_on: Sequence[str] | None = None

S = "customers"


def _created() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("accepts_marketing", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("default_address_id", sa.BigInteger(), nullable=True),
        _created(),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_index(
        "customers_email_key", "customers", [sa.text("lower(email)")], unique=True, schema=S
    )
    op.create_table(
        "addresses",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        *(
            sa.Column(name, sa.Text(), nullable=True)
            for name in (
                "first_name",
                "last_name",
                "company",
                "address1",
                "address2",
                "city",
                "province",
                "zip",
                "country_code",
                "phone",
            )
        ),
        _created(),
        sa.ForeignKeyConstraint(["customer_id"], [f"{S}.customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_index(
        op.f("ix_customers_addresses_customer_id"), "addresses", ["customer_id"], schema=S
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("permissions", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_index("staff_email_key", "staff", [sa.text("lower(email)")], unique=True, schema=S)
    op.create_table(
        "sessions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("subject_kind", sa.Text(), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        _created(),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        schema=S,
    )
    op.create_index("sessions_subject", "sessions", ["subject_kind", "subject_id"], schema=S)
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        sa.ForeignKeyConstraint(["session_id"], [f"{S}.sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
        schema=S,
    )
    op.create_index(
        op.f("ix_customers_refresh_tokens_session_id"), "refresh_tokens", ["session_id"], schema=S
    )
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        sa.ForeignKeyConstraint(["customer_id"], [f"{S}.customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
        schema=S,
    )
    op.create_index(
        op.f("ix_customers_password_resets_customer_id"),
        "password_resets",
        ["customer_id"],
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
        "outbox_unsent",
        "outbox",
        ["id"],
        schema=S,
        postgresql_where=sa.text("sent_at IS NULL"),
    )


def downgrade() -> None:
    for table in (
        "outbox",
        "inbox",
        "password_resets",
        "refresh_tokens",
        "sessions",
        "staff",
        "addresses",
        "customers",
    ):
        op.drop_table(table, schema=S)
