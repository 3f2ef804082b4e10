"""search deferral: bulk loads index full text set-wise; PostgreSQL stems author names

Revision ID: 0005_search_deferral
Revises: 0004_login_failures
Create Date: 2026-11-28

The full-text triggers of 0002_search index one paper at a time. A bulk load can now turn
them off for its own transaction and index its papers in one statement per batch
(`dailypapers.search.deferral`):

- SQLite: the triggers fire only while `search_sync_paused` is empty. A loader inserts a
  row in its transaction and deletes it before committing, so no other connection ever
  sees it (and a rollback removes it).
- PostgreSQL: the trigger functions return at once while the transaction-local setting
  `dailypapers.defer_search` is `on` (`SET LOCAL`).

PostgreSQL also indexes author names with the `english` configuration, like the query, so
a search for "Nadolsky" (stemmed "nadolski") finds the author; `simple` kept names as they
are and no stemmed query term could match them. The documents are recomputed.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_search_deferral"
down_revision: str | None = "0004_login_failures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_AUTHORS = (
    "coalesce((SELECT group_concat(a.name, ', ') FROM paper_authors pa "
    "JOIN authors a ON a.id = pa.author_id WHERE pa.paper_id = {pid}), '')"
)
_LIVE = "NOT EXISTS (SELECT 1 FROM search_sync_paused)"


def _sqlite_triggers(when: str) -> list[str]:
    """0002_search's full-text triggers, each firing only when `when` holds."""
    also = f" AND {when}" if when else ""
    where = f" WHEN {when}" if when else ""
    return [
        f"CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers{where} BEGIN "
        "INSERT INTO papers_fts(rowid, title, abstract, authors) VALUES "
        f"(new.id, new.title, new.abstract, {_SQLITE_AUTHORS.format(pid='new.id')}); END",
        "CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, abstract ON papers "
        f"WHEN (old.title IS NOT new.title OR old.abstract IS NOT new.abstract){also} BEGIN "
        "UPDATE papers_fts SET title = new.title, abstract = new.abstract "
        "WHERE rowid = new.id; END",
        f"CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers{where} BEGIN "
        "DELETE FROM papers_fts WHERE rowid = old.id; END",
        f"CREATE TRIGGER paper_authors_fts_insert AFTER INSERT ON paper_authors{where} BEGIN "
        f"UPDATE papers_fts SET authors = {_SQLITE_AUTHORS.format(pid='new.paper_id')} "
        "WHERE rowid = new.paper_id; END",
        f"CREATE TRIGGER paper_authors_fts_delete AFTER DELETE ON paper_authors{where} BEGIN "
        f"UPDATE papers_fts SET authors = {_SQLITE_AUTHORS.format(pid='old.paper_id')} "
        "WHERE rowid = old.paper_id; END",
        f"CREATE TRIGGER paper_authors_fts_update AFTER UPDATE ON paper_authors{where} BEGIN "
        f"UPDATE papers_fts SET authors = {_SQLITE_AUTHORS.format(pid='old.paper_id')} "
        "WHERE rowid = old.paper_id; "
        f"UPDATE papers_fts SET authors = {_SQLITE_AUTHORS.format(pid='new.paper_id')} "
        "WHERE rowid = new.paper_id; END",
        f"CREATE TRIGGER authors_fts_rename AFTER UPDATE OF name ON authors{where} BEGIN "
        f"UPDATE papers_fts SET authors = {_SQLITE_AUTHORS.format(pid='papers_fts.rowid')} "
        "WHERE rowid IN (SELECT paper_id FROM paper_authors WHERE author_id = new.id); END",
    ]


_SQLITE_TRIGGER_NAMES = [
    "papers_fts_insert",
    "papers_fts_update",
    "papers_fts_delete",
    "paper_authors_fts_insert",
    "paper_authors_fts_delete",
    "paper_authors_fts_update",
    "authors_fts_rename",
]
_DROP_SQLITE_TRIGGERS = [f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_TRIGGER_NAMES]

SQLITE_UP = [
    "CREATE TABLE search_sync_paused (id INTEGER PRIMARY KEY)",
    *_DROP_SQLITE_TRIGGERS,
    *_sqlite_triggers(_LIVE),
]
SQLITE_DOWN = [
    *_DROP_SQLITE_TRIGGERS,
    *_sqlite_triggers(""),
    "DROP TABLE IF EXISTS search_sync_paused",
]


def _document_functions(author_config: str) -> list[str]:
    """dp_document(title, abstract, names), inlined into set-wise statements, and
    dp_paper_document(id), what the per-row triggers call."""
    return [
        f"""CREATE OR REPLACE FUNCTION dp_document(title text, abstract text, names text)
        RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
              || setweight(to_tsvector('english'::regconfig, coalesce(abstract, '')), 'B')
              || setweight(to_tsvector('{author_config}'::regconfig, coalesce(names, '')), 'C')
        $$""",
        """CREATE OR REPLACE FUNCTION dp_paper_document(pid integer) RETURNS tsvector
        LANGUAGE sql STABLE AS $$
          SELECT dp_document(p.title, p.abstract, (
                   SELECT string_agg(a.name, ', ' ORDER BY pa.position)
                   FROM paper_authors pa JOIN authors a ON a.id = pa.author_id
                   WHERE pa.paper_id = pid))
          FROM papers p WHERE p.id = pid
        $$""",
    ]


_TRIGGER_BODIES = {
    "dp_paper_search_row": "INSERT INTO paper_search(paper_id, document) "
    "VALUES (NEW.id, dp_paper_document(NEW.id)) "
    "ON CONFLICT (paper_id) DO UPDATE SET document = EXCLUDED.document;",
    "dp_paper_search_authors_new": "UPDATE paper_search s SET document = "
    "dp_paper_document(s.paper_id) WHERE s.paper_id IN (SELECT DISTINCT paper_id FROM new_rows);",
    "dp_paper_search_authors_old": "UPDATE paper_search s SET document = "
    "dp_paper_document(s.paper_id) WHERE s.paper_id IN (SELECT DISTINCT paper_id FROM old_rows);",
    "dp_paper_search_author_rename": "UPDATE paper_search s SET document = "
    "dp_paper_document(s.paper_id) "
    "WHERE s.paper_id IN (SELECT paper_id FROM paper_authors WHERE author_id = NEW.id);",
}


def _trigger_functions(deferrable: bool) -> list[str]:
    """0002_search's trigger functions; `deferrable` ones return at once while the
    transaction has set dailypapers.defer_search."""
    guard = (
        "IF current_setting('dailypapers.defer_search', true) = 'on' THEN RETURN NULL; END IF;"
        if deferrable
        else ""
    )
    return [
        f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          {guard}
          {body}
          RETURN NULL;
        END $$"""
        for name, body in _TRIGGER_BODIES.items()
    ]


_REINDEX = "UPDATE paper_search SET document = dp_paper_document(paper_id)"
POSTGRES_UP = [*_document_functions("english"), *_trigger_functions(True), _REINDEX]
_PAPER_DOCUMENT_0002 = """CREATE OR REPLACE FUNCTION dp_paper_document(pid integer)
    RETURNS tsvector LANGUAGE sql STABLE AS $$
      SELECT setweight(to_tsvector('english', coalesce(p.title, '')), 'A')
          || setweight(to_tsvector('english', coalesce(p.abstract, '')), 'B')
          || setweight(to_tsvector('simple', coalesce((
               SELECT string_agg(a.name, ', ' ORDER BY pa.position)
               FROM paper_authors pa JOIN authors a ON a.id = pa.author_id
               WHERE pa.paper_id = pid), '')), 'C')
      FROM papers p WHERE p.id = pid
    $$"""
POSTGRES_DOWN = [
    _PAPER_DOCUMENT_0002,
    "DROP FUNCTION IF EXISTS dp_document(text, text, text)",
    *_trigger_functions(False),
    _REINDEX,
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run(POSTGRES_UP)
    else:
        _run(SQLITE_UP)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run(POSTGRES_DOWN)
    else:
        _run(SQLITE_DOWN)
