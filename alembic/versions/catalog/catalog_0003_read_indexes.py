"""catalog: indexes for case-insensitive attribute filters, the variant price filter, and
vendor sorting that survives a missing vendor

Revision ID: catalog_0003
Revises: catalog_0001
Create Date: 2026-11-26

The attribute filter compares lower(name), lower(value) (case-insensitive, like brands), and
the price filter asks whether some variant's price is in range: both read these indexes.
VENDOR sorting keys on coalesce(vendor, '') so a product without a vendor (NULL) keeps its
place in keyset pages; its index replaces the one on the bare column.
The integrator chains this after catalog_0002 (the import's) when both land.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "catalog_0003"
down_revision: str | None = "catalog_0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "product_attributes_lower_name_value",
        "product_attributes",
        [sa.text("lower(name)"), sa.text("lower(value)")],
        schema="catalog",
    )
    op.create_index("variants_price_product", "variants", ["price", "product_id"], schema="catalog")
    op.create_index(
        "products_vendor_key_id",
        "products",
        [sa.text("coalesce(vendor, '')"), "id"],
        schema="catalog",
    )
    op.drop_index("products_vendor_id", "products", schema="catalog")


def downgrade() -> None:
    # back to catalog_0002's index on the same expression
    op.execute("CREATE INDEX products_vendor_id ON catalog.products (coalesce(vendor, ''), id)")
    op.drop_index("products_vendor_key_id", "products", schema="catalog")
    op.drop_index("variants_price_product", "variants", schema="catalog")
    op.drop_index("product_attributes_lower_name_value", "product_attributes", schema="catalog")
