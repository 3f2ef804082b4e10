"""job heartbeat: a running job's worker stamps its run, so a dead one is noticed in minutes

Revision ID: 0006_job_heartbeat
Revises: 0005_search_deferral
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_job_heartbeat"
down_revision: str | None = "0005_search_deferral"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.drop_column("heartbeat_at")
