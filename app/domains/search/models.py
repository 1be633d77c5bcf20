"""The search context's own tables, in the `search` schema: the Postgres backend's
denormalised documents (never a join into the catalog) and its term vocabulary."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR

from app.platform.outbox import add_messaging_tables

SCHEMA = "search"
metadata = sa.MetaData(schema=SCHEMA)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("product_id", sa.BigInteger, primary_key=True),
    # the product's last change (µs): an older write never replaces a newer one
    sa.Column("version", sa.BigInteger, nullable=False),
    # a removal is kept as a tombstone with its version, so a late, older upsert loses
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("handle", sa.Text, nullable=False),
    sa.Column("title_sort", sa.Text, nullable=False, server_default=""),
    sa.Column("vendor", sa.Text),
    sa.Column("category_id", sa.BigInteger),
    sa.Column("category_ids", ARRAY(sa.BigInteger), nullable=False, server_default="{}"),
    sa.Column("option_pairs", ARRAY(sa.Text), nullable=False, server_default="{}"),
    # cents
    sa.Column("prices", ARRAY(sa.BigInteger), nullable=False, server_default="{}"),
    sa.Column("min_price", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("max_price", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("available", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("suggest", ARRAY(sa.Text), nullable=False, server_default="{}"),
    # title A, vendor/type/tags/categories/options B, description C
    sa.Column("tsv", TSVECTOR, nullable=False),
    sa.Column("words", TSVECTOR, nullable=False),
    sa.Index("documents_tsv", "tsv", postgresql_using="gin"),
    sa.Index("documents_words", "words", postgresql_using="gin"),
    sa.Index("documents_category_ids", "category_ids", postgresql_using="gin"),
    sa.Index("documents_option_pairs", "option_pairs", postgresql_using="gin"),
)

# every indexed term: typo tolerance looks candidates up here (one edit away)
terms = sa.Table("terms", metadata, sa.Column("term", sa.Text, primary_key=True))

outbox, inbox = add_messaging_tables(metadata, SCHEMA)
