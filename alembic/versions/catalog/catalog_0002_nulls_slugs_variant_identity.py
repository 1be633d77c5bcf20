"""catalog: NULL for missing values, categories found by (parent, slug), SKU-less variants

- description_html, product_type, vendor and image alt store NULL, never "", for "not given"
- categories get a `slug`, unique per parent (the joined handle collided across paths)
- a variant's SKU is optional: without one it is keyed by (product, options)
- weights keep fractional grams (Shopify exports 226.796185)
- the vendor sort index follows coalesce(vendor, ''), as the listing orders by it

Revision ID: catalog_0002
Revises: catalog_0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "catalog_0002"
down_revision: str | None = "catalog_0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_BLANKABLE = (("products", "description_html"), ("products", "product_type"),
              ("products", "vendor"), ("images", "alt"))  # fmt: skip


def upgrade() -> None:
    for table, column in _BLANKABLE:
        op.alter_column(table, column, nullable=True, server_default=None, schema="catalog")
        op.execute(
            f"UPDATE catalog.{table} SET {column} = NULL WHERE btrim({column}) = ''"  # noqa: S608
        )

    # sorting by vendor orders NULL as "": the index follows the expression
    op.drop_index("products_vendor_id", "products", schema="catalog")
    op.execute(
        "CREATE INDEX products_vendor_id ON catalog.products (coalesce(vendor, ''), id)"
    )

    op.add_column("categories", sa.Column("slug", sa.Text(), nullable=True), schema="catalog")
    # the old handle was the path's slugs joined with "-": a child's slug is what follows
    # its parent's handle
    op.execute(
        """
        UPDATE catalog.categories c SET slug = CASE
            WHEN p.id IS NOT NULL AND c.handle LIKE p.handle || '-%'
            THEN substr(c.handle, length(p.handle) + 2)
            ELSE c.handle END
        FROM catalog.categories c2 LEFT JOIN catalog.categories p ON p.id = c2.parent_id
        WHERE c2.id = c.id
        """
    )
    op.alter_column("categories", "slug", nullable=False, schema="catalog")
    op.create_unique_constraint(
        "categories_parent_slug",
        "categories",
        ["parent_id", "slug"],
        schema="catalog",
        postgresql_nulls_not_distinct=True,
    )

    op.alter_column("variants", "sku", nullable=True, schema="catalog")
    op.create_index(
        "variants_product_options_without_sku",
        "variants",
        ["product_id", "options"],
        unique=True,
        schema="catalog",
        postgresql_where=sa.text("sku IS NULL"),
    )
    op.alter_column(
        "variants",
        "weight_grams",
        type_=sa.Numeric(12, 3),
        existing_type=sa.Integer(),
        existing_nullable=False,
        schema="catalog",
    )


def downgrade() -> None:
    op.alter_column(
        "variants",
        "weight_grams",
        type_=sa.Integer(),
        existing_type=sa.Numeric(12, 3),
        postgresql_using="round(weight_grams)::integer",
        schema="catalog",
    )
    op.drop_index("variants_product_options_without_sku", "variants", schema="catalog")
    op.execute("UPDATE catalog.variants SET sku = 'variant-' || id WHERE sku IS NULL")
    op.alter_column("variants", "sku", nullable=False, schema="catalog")
    op.drop_constraint("categories_parent_slug", "categories", schema="catalog")
    op.drop_column("categories", "slug", schema="catalog")
    op.drop_index("products_vendor_id", "products", schema="catalog")
    op.create_index("products_vendor_id", "products", ["vendor", "id"], schema="catalog")
    for table, column in _BLANKABLE:
        op.execute(f"UPDATE catalog.{table} SET {column} = '' WHERE {column} IS NULL")  # noqa: S608
        op.alter_column(
            table, column, nullable=False, server_default="", schema="catalog"
        )
