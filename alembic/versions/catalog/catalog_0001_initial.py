"""catalog: products, variants, categories, brands, images, attributes, outbox/inbox

Revision ID: catalog_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "catalog_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("catalog",)
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "brands",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("handle", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("handle"),
        schema="catalog",
    )
    op.create_table(
        "categories",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("handle", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("depth", sa.Integer(), server_default="0", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["catalog.categories.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("handle"),
        schema="catalog",
    )
    op.create_index(
        op.f("ix_catalog_categories_parent_id"),
        "categories",
        ["parent_id"],
        unique=False,
        schema="catalog",
    )
    op.create_index(
        op.f("ix_catalog_categories_path"), "categories", ["path"], unique=False, schema="catalog"
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
        schema="catalog",
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
        schema="catalog",
    )
    op.create_index(
        "outbox_unsent",
        "outbox",
        ["id"],
        unique=False,
        schema="catalog",
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("handle", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description_html", sa.Text(), server_default="", nullable=False),
        sa.Column("product_type", sa.Text(), server_default="", nullable=False),
        sa.Column("tags", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("brand_id", sa.BigInteger(), nullable=True),
        sa.Column("vendor", sa.Text(), server_default="", nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.Text(), server_default="ACTIVE", nullable=False),
        sa.Column(
            "min_price", sa.Numeric(precision=14, scale=2), server_default="0", nullable=False
        ),
        sa.Column(
            "max_price", sa.Numeric(precision=14, scale=2), server_default="0", nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["catalog.brands.id"],
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["catalog.categories.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("handle"),
        schema="catalog",
    )
    op.create_index(
        op.f("ix_catalog_products_brand_id"),
        "products",
        ["brand_id"],
        unique=False,
        schema="catalog",
    )
    op.create_index(
        op.f("ix_catalog_products_category_id"),
        "products",
        ["category_id"],
        unique=False,
        schema="catalog",
    )
    op.create_index(
        "products_created_id", "products", ["created_at", "id"], unique=False, schema="catalog"
    )
    op.create_index(
        "products_price_id", "products", ["min_price", "id"], unique=False, schema="catalog"
    )
    op.create_index(
        "products_title_id", "products", ["title", "id"], unique=False, schema="catalog"
    )
    op.create_index(
        "products_updated_id", "products", ["updated_at", "id"], unique=False, schema="catalog"
    )
    op.create_index(
        "products_vendor_id", "products", ["vendor", "id"], unique=False, schema="catalog"
    )
    op.create_table(
        "images",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("alt", sa.Text(), server_default="", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["product_id"], ["catalog.products.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        schema="catalog",
    )
    op.create_index(
        "images_product", "images", ["product_id", "position"], unique=False, schema="catalog"
    )
    op.create_table(
        "product_attributes",
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["catalog.products.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("product_id", "name", "value"),
        schema="catalog",
    )
    op.create_index(
        "product_attributes_name_value",
        "product_attributes",
        ["name", "value"],
        unique=False,
        schema="catalog",
    )
    op.create_table(
        "variants",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column(
            "options", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("compare_at_price", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("weight_grams", sa.Integer(), server_default="0", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("price >= 0", name="variant_price_nonnegative"),
        sa.ForeignKeyConstraint(["product_id"], ["catalog.products.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sku"),
        schema="catalog",
    )
    op.create_index(
        "variants_product", "variants", ["product_id", "position"], unique=False, schema="catalog"
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA catalog CASCADE")
