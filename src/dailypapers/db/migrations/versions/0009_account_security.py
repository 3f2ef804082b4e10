"""account security: verified email addresses, token expiry, subscription link versions

Revision ID: 0009_account_security
Revises: 0008_search_text_log
Create Date: 2026-11-29

Accounts that exist already count as verified (from their creation): they signed up before
addresses were checked by a link, and locking them out now would help nobody.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_account_security"
down_revision: str | None = "0008_search_text_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("email_verified_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE users SET email_verified_at = created_at")
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True)))
    op.add_column(
        "subscriptions",
        sa.Column("link_version", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("link_version")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_verified_at")
