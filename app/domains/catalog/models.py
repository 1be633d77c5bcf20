"""Catalog tables, all in the `catalog` schema (Core tables: reads map to dataclasses)."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from app.platform.outbox import add_messaging_tables

SCHEMA = "catalog"
metadata = sa.MetaData(schema=SCHEMA)

MONEY = sa.Numeric(14, 2)

categories = sa.Table(
    "categories",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    # unique, for URLs: the slugs of the path joined, with a suffix when that is taken
    sa.Column("handle", sa.Text, nullable=False, unique=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("parent_id", sa.BigInteger, sa.ForeignKey("categories.id"), index=True),
    # a category is found by (parent, slug): "Home > Kitchen > Knives" is not "Home > Kitchen
    # Knives" even though both join to the handle home-kitchen-knives
    sa.Column("slug", sa.Text, nullable=False),
    # materialised path of ids, "/1/5/9/": descendants are a prefix match
    sa.Column("path", sa.Text, nullable=False, index=True),
    sa.Column("depth", sa.Integer, nullable=False, server_default="0"),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint(
        "parent_id", "slug", name="categories_parent_slug", postgresql_nulls_not_distinct=True
    ),
)

brands = sa.Table(
    "brands",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("handle", sa.Text, nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
)

products = sa.Table(
    "products",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("handle", sa.Text, nullable=False, unique=True),
    sa.Column("title", sa.Text, nullable=False),
    # NULL is "not given"; an empty string is never stored for these
    sa.Column("description_html", sa.Text),
    sa.Column("product_type", sa.Text),
    sa.Column("tags", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("brand_id", sa.BigInteger, sa.ForeignKey("brands.id"), index=True),
    sa.Column("vendor", sa.Text),
    sa.Column("category_id", sa.BigInteger, sa.ForeignKey("categories.id"), index=True),
    sa.Column("status", sa.Text, nullable=False, server_default="ACTIVE"),
    # denormalised from the variants so PRICE sorting and price filters use an index
    sa.Column("min_price", MONEY, nullable=False, server_default="0"),
    sa.Column("max_price", MONEY, nullable=False, server_default="0"),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("products_title_id", "title", "id"),
    sa.Index("products_price_id", "min_price", "id"),
    sa.Index("products_created_id", "created_at", "id"),
    sa.Index("products_updated_id", "updated_at", "id"),
)
# VENDOR sorting keys on coalesce(vendor, ''): a product without one sorts first (catalog_0003)
sa.Index("products_vendor_key_id", sa.func.coalesce(products.c.vendor, ""), products.c.id)

variants = sa.Table(
    "variants",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "product_id",
        sa.BigInteger,
        sa.ForeignKey("products.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # a variant is identified by its SKU when it has one, else by (product, options)
    sa.Column("sku", sa.Text, unique=True),
    sa.Column("title", sa.Text, nullable=False),
    # [{"name": "Color", "value": "Red"}, …] in the product's option order
    sa.Column("options", JSONB, nullable=False, server_default="[]"),
    sa.Column("price", MONEY, nullable=False),
    sa.Column("compare_at_price", MONEY),
    sa.Column("weight_grams", sa.Numeric(12, 3), nullable=False, server_default="0"),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("price >= 0", name="variant_price_nonnegative"),
    sa.Index("variants_product", "product_id", "position"),
    sa.Index(
        "variants_product_options_without_sku",
        "product_id",
        "options",
        unique=True,
        postgresql_where=sa.text("sku IS NULL"),
    ),
    # the price filter: is some variant of the product in range (catalog_0003)
    sa.Index("variants_price_product", "price", "product_id"),
)

images = sa.Table(
    "images",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "product_id",
        sa.BigInteger,
        sa.ForeignKey("products.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("alt", sa.Text),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("width", sa.Integer),
    sa.Column("height", sa.Integer),
    sa.Index("images_product", "product_id", "position"),
)

# Attributes: name → values per product (material, colour, size, …), for filtering.
product_attributes = sa.Table(
    "product_attributes",
    metadata,
    sa.Column(
        "product_id",
        sa.BigInteger,
        sa.ForeignKey("products.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, primary_key=True),
    sa.Index("product_attributes_name_value", "name", "value"),
    # the attribute filter ignores case (catalog_0003)
    sa.Index(
        "product_attributes_lower_name_value",
        sa.func.lower(sa.text("name")),
        sa.func.lower(sa.text("value")),
    ),
)

outbox, inbox = add_messaging_tables(metadata, SCHEMA)
