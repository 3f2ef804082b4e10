"""vote versions: a vote moves the counters of its paper and its days, not the site version

Revision ID: 0010_vote_versions
Revises: 0009_account_security
Create Date: 2026-11-29

Until now every vote bumped `site_version`, which every cached answer is keyed by, so one
vote emptied every process's response cache. Inserts and deletes of `upvotes` now bump, in
`vote_versions`, the scopes `votes` (any vote), `paper:KEY` and `day:YYYY-MM-DD` for each day
the paper is listed on; an answer is keyed by the scopes it shows (web/cache.py). Updates and
TRUNCATE of `upvotes` still bump the site version (nothing updates a vote; a TRUNCATE has no
rows to name). On PostgreSQL the bump is a deferred constraint trigger, like 0003's: the hot
`votes` row is locked at commit, briefly, and the scopes are upserted in sorted order, so two
voters never wait on each other in a cycle.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_vote_versions"
down_revision: str | None = "0009_account_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
_SQLITE_BUMP = f"""
INSERT INTO vote_versions (scope, version, changed_at)
SELECT scope, 1, {_SQLITE_NOW} FROM (
    SELECT 'votes' AS scope
    UNION SELECT 'paper:' || key FROM papers WHERE id = {{row}}.paper_id
    UNION SELECT 'day:' || day FROM daily_entries WHERE paper_id = {{row}}.paper_id
) WHERE true
ON CONFLICT (scope) DO UPDATE SET version = version + 1, changed_at = excluded.changed_at
"""
_PG_FUNCTION = """
CREATE FUNCTION bump_vote_versions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        target := OLD.paper_id;
    ELSE
        target := NEW.paper_id;
    END IF;
    INSERT INTO vote_versions AS v (scope, version, changed_at)
    SELECT scope, 1, clock_timestamp() FROM (
        SELECT 'votes' AS scope
        UNION SELECT 'paper:' || key FROM papers WHERE id = target
        UNION SELECT 'day:' || to_char(day, 'YYYY-MM-DD') FROM daily_entries
        WHERE paper_id = target
    ) AS scopes
    ORDER BY scope
    ON CONFLICT (scope) DO UPDATE SET version = v.version + 1, changed_at = excluded.changed_at;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "vote_versions",
        sa.Column("scope", sa.String(length=160), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_vote_versions")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for event, row in (("insert", "NEW"), ("delete", "OLD")):
            op.execute(f"DROP TRIGGER site_version_upvotes_{event}")
            op.execute(
                f"CREATE TRIGGER vote_versions_upvotes_{event} AFTER {event.upper()} ON upvotes "
                f"BEGIN {_SQLITE_BUMP.format(row=row)}; END"
            )
        return
    op.execute(_PG_FUNCTION)
    op.execute("DROP TRIGGER site_version_bump ON upvotes")
    op.execute(
        "CREATE CONSTRAINT TRIGGER site_version_bump AFTER UPDATE ON upvotes "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_site_version()"
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER vote_versions_bump AFTER INSERT OR DELETE ON upvotes "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_vote_versions()"
    )


def downgrade() -> None:
    bump = f"UPDATE site_version SET version = version + 1, changed_at = {_SQLITE_NOW} WHERE id = 1"
    if op.get_bind().dialect.name == "sqlite":
        for event in ("insert", "delete"):
            op.execute(f"DROP TRIGGER vote_versions_upvotes_{event}")
            op.execute(
                f"CREATE TRIGGER site_version_upvotes_{event} AFTER {event.upper()} ON upvotes "
                f"BEGIN {bump}; END"
            )
    else:
        op.execute("DROP TRIGGER vote_versions_bump ON upvotes")
        op.execute("DROP TRIGGER site_version_bump ON upvotes")
        op.execute(
            "CREATE CONSTRAINT TRIGGER site_version_bump AFTER INSERT OR UPDATE OR DELETE "
            "ON upvotes DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION bump_site_version()"
        )
        op.execute("DROP FUNCTION bump_vote_versions()")
    op.drop_table("vote_versions")
