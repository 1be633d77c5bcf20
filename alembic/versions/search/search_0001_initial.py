"""search: the Postgres backend's documents and term vocabulary, outbox/inbox

Revision ID: search_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "search_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("search",)
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("handle", sa.Text(), nullable=False),
        sa.Column("title_sort", sa.Text(), server_default="", nullable=False),
        sa.Column("vendor", sa.Text(), nullable=True),
        sa.Column("category_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "category_ids", postgresql.ARRAY(sa.BigInteger()), server_default="{}", nullable=False
        ),
        sa.Column("option_pairs", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("prices", postgresql.ARRAY(sa.BigInteger()), server_default="{}", nullable=False),
        sa.Column("min_price", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("max_price", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("available", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("suggest", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("tsv", postgresql.TSVECTOR(), nullable=False),
        sa.Column("words", postgresql.TSVECTOR(), nullable=False),
        sa.PrimaryKeyConstraint("product_id"),
        schema="search",
    )
    for name, col in (
        ("documents_tsv", "tsv"),
        ("documents_words", "words"),
        ("documents_category_ids", "category_ids"),
        ("documents_option_pairs", "option_pairs"),
    ):
        op.create_index(name, "documents", [col], schema="search", postgresql_using="gin")
    op.create_table(
        "terms",
        sa.Column("term", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("term"),
        schema="search",
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
        schema="search",
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
        schema="search",
    )
    op.create_index(
        "outbox_unsent",
        "outbox",
        ["id"],
        unique=False,
        schema="search",
        postgresql_where=sa.text("sent_at IS NULL"),
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA search CASCADE")
