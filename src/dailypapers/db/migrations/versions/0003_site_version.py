"""site version: a change counter bumped by triggers on the listed tables

Revision ID: 0003_site_version
Revises: 0002_search
Create Date: 2026-11-28

Caches of lists, feeds and API answers are keyed by `site_version.version`. Triggers keep it
current for every writer (web, CLI, jobs, raw SQL), in every process. SQLite has only
row-level triggers (and one writer at a time). PostgreSQL gets deferred constraint triggers
that bump the version once per transaction, at commit: the one hot row is locked last and
briefly, so a long import does not hold up votes and no lock cycle can form through it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_site_version"
down_revision: str | None = "0002_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept here, not imported, so this migration never changes after it is written.
WATCHED_TABLES = (
    "papers",
    "paper_authors",
    "organizations",
    "daily_entries",
    "upvotes",
    "comments",
    "users",
    "embeddings",
)
_SQLITE_BUMP = (
    "UPDATE site_version SET version = version + 1, "
    "changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1"
)
_PG_FUNCTION = """
CREATE FUNCTION bump_site_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('dailypapers.site_version_bumped', true) IS DISTINCT FROM 'yes' THEN
        UPDATE site_version SET version = version + 1, changed_at = clock_timestamp()
        WHERE id = 1;
        PERFORM set_config('dailypapers.site_version_bumped', 'yes', true);
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "site_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_site_version_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_version")),
    )
    op.execute(
        "INSERT INTO site_version (id, version, changed_at) VALUES (1, 0, CURRENT_TIMESTAMP)"
    )
    if op.get_bind().dialect.name == "sqlite":
        for table in WATCHED_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER site_version_{table}_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN {_SQLITE_BUMP}; END"
                )
        return
    op.execute(_PG_FUNCTION)
    for table in WATCHED_TABLES:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER site_version_bump AFTER INSERT OR UPDATE OR DELETE "
            f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION bump_site_version()"
        )
        op.execute(
            f"CREATE TRIGGER site_version_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_site_version()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in WATCHED_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS site_version_{table}_{event}")
    else:
        for table in WATCHED_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS site_version_bump ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS site_version_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_site_version()")
    op.drop_table("site_version")
