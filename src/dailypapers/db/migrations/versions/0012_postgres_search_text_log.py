"""postgres search text log: PostgreSQL logs every change to what keyword search indexes

Revision ID: 0012_postgres_search_text_log
Revises: 0011_thumbnails
Create Date: 2026-11-30

Keyword ranking on PostgreSQL runs on a tantivy index in a folder on each web node
(`DATA_DIR/keywords/`, `dailypapers.search.keyword_index`), derived from the catalogue like
SQLite's (migration 0008_search_text_log, which this mirrors: title, abstract, authors and
visibility changes). A sequence cannot order the log here: transaction A may take number 10
and commit after B took 11, and a reader that synced up to 11 would skip 10 forever. So each
row records its transaction's id (`pg_current_xact_id()`, xid8), and a sync consumes the rows
below its snapshot's xmin: every transaction below xmin has finished, so no row can appear
there later (`dailypapers.search.keyword_logs`).

Inserts and deletes log once per statement (bulk imports write one row per paper, not per
trigger call); text updates and author renames log per row, only when the text changed.
Rows older than a week are pruned by the syncs; `search_text_horizon` keeps the highest
transaction id pruned (or the id of the transaction that made the log, or of the last
`db restore`), and an index whose mark is not above it rebuilds instead of replaying.
SQLite is unaffected.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_postgres_search_text_log"
down_revision: str | None = "0011_thumbnails"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# function name -> the papers it logs (a SELECT over the trigger's transition tables or NEW)
_FUNCTIONS = {
    "dp_text_log_papers_new": "SELECT id FROM new_rows",
    "dp_text_log_papers_old": "SELECT id FROM old_rows",
    "dp_text_log_paper_row": "SELECT NEW.id",
    "dp_text_log_links_new": "SELECT DISTINCT paper_id FROM new_rows",
    "dp_text_log_links_old": "SELECT DISTINCT paper_id FROM old_rows",
    "dp_text_log_author_row": "SELECT DISTINCT paper_id FROM paper_authors "
    "WHERE author_id = NEW.id",
}
_STATEMENT = "FOR EACH STATEMENT EXECUTE FUNCTION"
# trigger name -> (table, when and how it fires, function)
_TRIGGERS = {
    "papers_text_log_insert": (
        "papers",
        f"AFTER INSERT ON papers REFERENCING NEW TABLE AS new_rows {_STATEMENT}",
        "dp_text_log_papers_new",
    ),
    "papers_text_log_update": (
        "papers",
        "AFTER UPDATE OF title, abstract, hidden ON papers FOR EACH ROW "
        "WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.abstract IS DISTINCT FROM "
        "NEW.abstract OR OLD.hidden IS DISTINCT FROM NEW.hidden) EXECUTE FUNCTION",
        "dp_text_log_paper_row",
    ),
    "papers_text_log_delete": (
        "papers",
        f"AFTER DELETE ON papers REFERENCING OLD TABLE AS old_rows {_STATEMENT}",
        "dp_text_log_papers_old",
    ),
    "paper_authors_text_log_insert": (
        "paper_authors",
        f"AFTER INSERT ON paper_authors REFERENCING NEW TABLE AS new_rows {_STATEMENT}",
        "dp_text_log_links_new",
    ),
    "paper_authors_text_log_update_new": (
        "paper_authors",
        f"AFTER UPDATE ON paper_authors REFERENCING NEW TABLE AS new_rows {_STATEMENT}",
        "dp_text_log_links_new",
    ),
    "paper_authors_text_log_update_old": (
        "paper_authors",
        f"AFTER UPDATE ON paper_authors REFERENCING OLD TABLE AS old_rows {_STATEMENT}",
        "dp_text_log_links_old",
    ),
    "paper_authors_text_log_delete": (
        "paper_authors",
        f"AFTER DELETE ON paper_authors REFERENCING OLD TABLE AS old_rows {_STATEMENT}",
        "dp_text_log_links_old",
    ),
    "authors_text_log_rename": (
        "authors",
        "AFTER UPDATE OF name ON authors FOR EACH ROW "
        "WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION",
        "dp_text_log_author_row",
    ),
}

POSTGRES_UP = [
    "CREATE TABLE search_text_changes ("
    "xid xid8 NOT NULL DEFAULT pg_current_xact_id(), paper_id integer NOT NULL, "
    "logged_at timestamptz NOT NULL DEFAULT now())",
    "CREATE INDEX ix_search_text_changes_xid ON search_text_changes (xid)",
    # the prune's `logged_at < ...`: rows arrive in time order, so a BRIN index is enough
    "CREATE INDEX ix_search_text_changes_logged_at ON search_text_changes USING brin (logged_at)",
    "CREATE TABLE search_text_horizon (id integer PRIMARY KEY CHECK (id = 1), xid xid8 NOT NULL)",
    # an index folder older than this log (a restored database's) cannot replay it: rebuilt
    "INSERT INTO search_text_horizon(id, xid) VALUES (1, pg_current_xact_id())",
    *(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO search_text_changes(paper_id) {papers}; RETURN NULL; END $$"
        for name, papers in _FUNCTIONS.items()
    ),
    *(
        f"CREATE TRIGGER {name} {fires} {function}()"
        for name, (_, fires, function) in _TRIGGERS.items()
    ),
]
POSTGRES_DOWN = [
    *(f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, (table, _, _) in _TRIGGERS.items()),
    *(f"DROP FUNCTION IF EXISTS {name}()" for name in _FUNCTIONS),
    "DROP TABLE IF EXISTS search_text_horizon",
    "DROP TABLE IF EXISTS search_text_changes",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_DOWN:
            op.execute(statement)
