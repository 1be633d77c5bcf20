"""customers: index refresh tokens by expiry, for pruning expired sessions

Revision ID: customers_0002
Revises: customers_0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "customers_0002"
down_revision: str | None = "customers_0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

S = "customers"


def upgrade() -> None:
    op.create_index("refresh_tokens_expires_at", "refresh_tokens", ["expires_at"], schema=S)


def downgrade() -> None:
    op.drop_index("refresh_tokens_expires_at", table_name="refresh_tokens", schema=S)
