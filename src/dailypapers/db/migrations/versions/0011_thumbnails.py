"""thumbnails: a paper's source image and rendered first page; failed renderings to retry

Revision ID: 0011_thumbnails
Revises: 0010_vote_versions
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_thumbnails"
down_revision: str | None = "0010_vote_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("papers", sa.Column("media_url", sa.String(length=1000)))
    op.add_column("papers", sa.Column("thumbnail", sa.String(length=64)))
    op.create_table(
        "thumbnail_failures",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_thumbnail_failures_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_thumbnail_failures")),
    )
    op.create_index("ix_thumbnail_failures_next_try_at", "thumbnail_failures", ["next_try_at"])


def downgrade() -> None:
    op.drop_index("ix_thumbnail_failures_next_try_at", table_name="thumbnail_failures")
    op.drop_table("thumbnail_failures")
    # ALTER TABLE ... DROP COLUMN on both backends (SQLite >= 3.35): a batch copy of
    # `papers` would trip over the triggers that name it.
    op.drop_column("papers", "thumbnail")
    op.drop_column("papers", "media_url")
