"""The payments context's tables, in the `payments` schema: one payment per reference (the
saga or order it pays for), its history, the references the saga has given up on, and the
Stripe webhook events already handled."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from app.platform.outbox import add_messaging_tables

SCHEMA = "payments"
metadata = sa.MetaData(schema=SCHEMA)


def _ts(name: str, *, default: bool = True) -> sa.Column[Any]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=not default,
        server_default=sa.func.now() if default else None,
    )


STATUSES = (
    "pending",
    "authorized",
    "captured",
    "voided",
    "refunded",
    "partially_refunded",
    "failed",
)

payments = sa.Table(
    "payments",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    # the saga (or order) this pays for: one payment per reference is what makes a retried
    # step find the payment it already made instead of charging again
    sa.Column("reference", sa.Text, nullable=False, unique=True),
    sa.Column("amount", sa.BigInteger, nullable=False),  # minor units of `currency`
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("gateway", sa.Text, nullable=False),
    sa.Column("gateway_id", sa.Text, unique=True),  # Stripe: the PaymentIntent id
    sa.Column("status", sa.Text, nullable=False, server_default="pending"),
    sa.Column("amount_captured", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("amount_refunded", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("failure_outcome", sa.Text),  # declined | error, when failed
    sa.Column("failure_code", sa.Text),
    sa.Column("failure_message", sa.Text),
    _ts("created_at"),
    _ts("updated_at"),
    sa.CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status"),
    sa.CheckConstraint("amount > 0", name="amount_positive"),
    sa.CheckConstraint("amount_captured BETWEEN 0 AND amount", name="captured_le_amount"),
    sa.CheckConstraint("amount_refunded BETWEEN 0 AND amount_captured", name="refund_le_captured"),
)

payment_events = sa.Table(
    "payment_events",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "payment_id",
        sa.BigInteger,
        sa.ForeignKey("payments.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # authorize, capture, void, refund, webhook:<stripe event type>, compensated
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),  # approved | declined | error
    sa.Column("amount", sa.BigInteger),
    sa.Column("gateway_id", sa.Text),  # the PaymentIntent, or the refund's id
    sa.Column("idempotency_key", sa.Text),
    sa.Column("detail", JSONB, nullable=False, server_default="{}"),
    _ts("created_at"),
)

# References the saga compensated (or cancelled): a charge that lands for one of them
# afterwards (a late webhook, a retried step) is refunded, never kept.
compensations = sa.Table(
    "compensations",
    metadata,
    sa.Column("reference", sa.Text, primary_key=True),
    _ts("created_at"),
)

# Stripe webhook events handled, by Stripe's event id: a redelivery is acknowledged and
# changes nothing.
webhook_events = sa.Table(
    "webhook_events",
    metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("type", sa.Text, nullable=False),
    _ts("received_at"),
)

outbox, inbox = add_messaging_tables(metadata, SCHEMA)
