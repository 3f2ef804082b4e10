"""search text log: SQLite logs every change to what keyword search indexes

Revision ID: 0008_search_text_log
Revises: 0007_rate_limits
Create Date: 2026-11-29

Keyword ranking on SQLite runs on a tantivy index in a folder beside the database file
(`dailypapers.search.keyword_index`), derived from the catalogue like the vector index.
`search_text_changes` lists the papers whose indexed text (title, abstract, authors) or
visibility changed; any process replays the log into the folder and records how far it got.
The triggers log always, bulk loads included (one small row per change).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_search_text_log"
down_revision: str | None = "0007_rate_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LOG = "INSERT INTO search_text_changes(paper_id) VALUES ({pid});"
_TRIGGERS = {
    "papers_text_log_insert": f"AFTER INSERT ON papers BEGIN {_LOG.format(pid='new.id')} END",
    "papers_text_log_update": "AFTER UPDATE OF title, abstract, hidden ON papers "
    "WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract "
    f"OR old.hidden IS NOT new.hidden BEGIN {_LOG.format(pid='new.id')} END",
    "papers_text_log_delete": f"AFTER DELETE ON papers BEGIN {_LOG.format(pid='old.id')} END",
    "paper_authors_text_log_insert": "AFTER INSERT ON paper_authors "
    f"BEGIN {_LOG.format(pid='new.paper_id')} END",
    "paper_authors_text_log_update": "AFTER UPDATE ON paper_authors "
    f"BEGIN {_LOG.format(pid='old.paper_id')} {_LOG.format(pid='new.paper_id')} END",
    "paper_authors_text_log_delete": "AFTER DELETE ON paper_authors "
    f"BEGIN {_LOG.format(pid='old.paper_id')} END",
    "authors_text_log_rename": "AFTER UPDATE OF name ON authors WHEN old.name IS NOT new.name "
    "BEGIN INSERT INTO search_text_changes(paper_id) "
    "SELECT paper_id FROM paper_authors WHERE author_id = new.id; END",
}

SQLITE_UP = [
    "CREATE TABLE search_text_changes ("
    "seq INTEGER PRIMARY KEY AUTOINCREMENT, paper_id INTEGER NOT NULL)",
    *(f"CREATE TRIGGER {name} {body}" for name, body in _TRIGGERS.items()),
    "INSERT INTO search_text_changes(paper_id) SELECT id FROM papers",
]
SQLITE_DOWN = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in _TRIGGERS),
    "DROP TABLE IF EXISTS search_text_changes",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
