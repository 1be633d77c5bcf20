"""Customers tables, all in the `customers` schema: accounts, addresses, staff, sessions."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

from app.platform.outbox import add_messaging_tables

SCHEMA = "customers"
metadata = sa.MetaData(schema=SCHEMA)


def _now() -> sa.Column[Any]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    # normalised (trimmed, domain lowercased); unique ignoring case (customers_email_key)
    sa.Column("email", sa.Text, nullable=False),
    # argon2id; NULL for an account that signs in only through an identity provider
    sa.Column("password_hash", sa.Text),
    sa.Column("first_name", sa.Text),
    sa.Column("last_name", sa.Text),
    sa.Column("accepts_marketing", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("default_address_id", sa.BigInteger),
    _now(),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)
sa.Index("customers_email_key", sa.func.lower(customers.c.email), unique=True)

addresses = sa.Table(
    "addresses",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "customer_id",
        sa.BigInteger,
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("first_name", sa.Text),
    sa.Column("last_name", sa.Text),
    sa.Column("company", sa.Text),
    sa.Column("address1", sa.Text),
    sa.Column("address2", sa.Text),
    sa.Column("city", sa.Text),
    sa.Column("province", sa.Text),
    sa.Column("zip", sa.Text),
    sa.Column("country_code", sa.Text),
    sa.Column("phone", sa.Text),
    _now(),
)

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("email", sa.Text, nullable=False),
    # NULL until an invited member sets one (reset flow) or for identity-provider sign-in
    sa.Column("password_hash", sa.Text),
    sa.Column("first_name", sa.Text),
    sa.Column("last_name", sa.Text),
    sa.Column("permissions", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    _now(),
)
sa.Index("staff_email_key", sa.func.lower(staff.c.email), unique=True)

# A session is one sign-in: its refresh tokens form a family; revoking it (logout, reuse of
# a spent refresh token, a password reset, deactivation) ends every token of the family,
# access tokens included (they carry the session id as `sid`).
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("subject_kind", sa.Text, nullable=False),  # customer | staff
    sa.Column("subject_id", sa.BigInteger, nullable=False),
    _now(),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Index("sessions_subject", "subject_kind", "subject_id"),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    # sha256 of the opaque token: a stolen table yields nothing usable
    sa.Column("token_hash", sa.LargeBinary, primary_key=True),
    sa.Column(
        "session_id",
        UUID(as_uuid=True),
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True)),
    _now(),
    # pruning finds expired tokens (and dead sessions) through it
    sa.Index("refresh_tokens_expires_at", "expires_at"),
)

password_resets = sa.Table(
    "password_resets",
    metadata,
    sa.Column("token_hash", sa.LargeBinary, primary_key=True),
    sa.Column(
        "customer_id",
        sa.BigInteger,
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True)),
    _now(),
)

outbox, inbox = add_messaging_tables(metadata, SCHEMA)
