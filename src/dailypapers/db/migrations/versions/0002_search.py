"""search indexes: full text kept in sync by triggers, a vector change log, pgvector

Revision ID: 0002_search
Revises: 0002_sessions
Create Date: 2026-11-28

SQLite: an FTS5 table `papers_fts` (title, abstract, authors) fed by triggers on papers,
paper_authors and authors, so bulk inserts through SQLAlchemy Core or raw SQL stay in sync;
`search_vector_changes` logs every change to `embeddings` so the usearch file beside the
database can catch up incrementally.

PostgreSQL: `paper_search` holds a weighted tsvector per paper (title A, abstract B,
authors C) with a GIN index, fed by triggers; `paper_vectors` holds each paper's vector as
pgvector `halfvec(384)` with an HNSW index (cosine), synced from `embeddings` by the
embedding job (`dailypapers index embed`, `index rebuild`).

Both: `search_embed_queue` holds papers whose title or abstract was inserted or changed
since they were last embedded (filled by triggers, emptied by the embedding job);
`search_term_stats` holds each indexed term's document frequency, refreshed by the
indexing job; keyword search uses it to leave the most common terms out of long OR queries.

These tables are owned by raw SQL, not by models: they are derived from the catalogue and
can be rebuilt with `dailypapers index rebuild`.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_search"
down_revision: str | None = "0002_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_AUTHORS = (
    "coalesce((SELECT group_concat(a.name, ', ') FROM paper_authors pa "
    "JOIN authors a ON a.id = pa.author_id WHERE pa.paper_id = {pid}), '')"
)

SQLITE_UP = [
    "CREATE VIRTUAL TABLE papers_fts USING fts5("
    "title, abstract, authors, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE papers_fts_vocab USING fts5vocab(papers_fts, 'row')",
    "INSERT INTO papers_fts(rowid, title, abstract, authors) "
    f"SELECT p.id, p.title, p.abstract, {_SQLITE_AUTHORS.format(pid='p.id')} FROM papers p",
    "CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN "
    "INSERT INTO papers_fts(rowid, title, abstract, authors) VALUES "
    f"(new.id, new.title, new.abstract, {_SQLITE_AUTHORS.format(pid='new.id')}); END",
    "CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, abstract ON papers "
    "WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract BEGIN "
    "UPDATE papers_fts SET title = new.title, abstract = new.abstract WHERE rowid = new.id; END",
    "CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN "
    "DELETE FROM papers_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER paper_authors_fts_insert AFTER INSERT ON paper_authors BEGIN "
    f"UPDATE papers_fts SET authors = {_SQLITE_AUTHORS.format(pid='new.paper_id')} "
    "WHERE rowid = new.paper_id; END",
    "CREATE TRIGGER paper_authors_fts_delete AFTER DELETE ON paper_authors BEGIN "
    f"UPDATE papers_fts SET authors = {_SQLITE_AUTHORS.format(pid='old.paper_id')} "
    "WHERE rowid = old.paper_id; END",
    "CREATE TRIGGER paper_authors_fts_update AFTER UPDATE ON paper_authors BEGIN "
    f"UPDATE papers_fts SET authors = {_SQLITE_AUTHORS.format(pid='old.paper_id')} "
    "WHERE rowid = old.paper_id; "
    f"UPDATE papers_fts SET authors = {_SQLITE_AUTHORS.format(pid='new.paper_id')} "
    "WHERE rowid = new.paper_id; END",
    "CREATE TRIGGER authors_fts_rename AFTER UPDATE OF name ON authors BEGIN "
    f"UPDATE papers_fts SET authors = {_SQLITE_AUTHORS.format(pid='papers_fts.rowid')} "
    "WHERE rowid IN (SELECT paper_id FROM paper_authors WHERE author_id = new.id); END",
    "CREATE TABLE search_term_stats (term VARCHAR(200) PRIMARY KEY, df INTEGER NOT NULL)",
    "CREATE TABLE search_embed_queue (paper_id INTEGER PRIMARY KEY)",
    "INSERT INTO search_embed_queue(paper_id) SELECT id FROM papers",
    "CREATE TRIGGER papers_embed_insert AFTER INSERT ON papers BEGIN "
    "INSERT OR IGNORE INTO search_embed_queue(paper_id) VALUES (new.id); END",
    "CREATE TRIGGER papers_embed_update AFTER UPDATE OF title, abstract ON papers "
    "WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract BEGIN "
    "INSERT OR IGNORE INTO search_embed_queue(paper_id) VALUES (new.id); END",
    "CREATE TRIGGER papers_embed_delete AFTER DELETE ON papers BEGIN "
    "DELETE FROM search_embed_queue WHERE paper_id = old.id; END",
    "CREATE TABLE search_vector_changes ("
    "seq INTEGER PRIMARY KEY AUTOINCREMENT, paper_id INTEGER NOT NULL)",
    "CREATE TRIGGER embeddings_log_insert AFTER INSERT ON embeddings BEGIN "
    "INSERT INTO search_vector_changes(paper_id) VALUES (new.paper_id); END",
    "CREATE TRIGGER embeddings_log_update AFTER UPDATE OF vector, model, paper_id "
    "ON embeddings BEGIN "
    "INSERT INTO search_vector_changes(paper_id) VALUES (old.paper_id); "
    "INSERT INTO search_vector_changes(paper_id) VALUES (new.paper_id); END",
    "CREATE TRIGGER embeddings_log_delete AFTER DELETE ON embeddings BEGIN "
    "INSERT INTO search_vector_changes(paper_id) VALUES (old.paper_id); END",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS embeddings_log_delete",
    "DROP TRIGGER IF EXISTS embeddings_log_update",
    "DROP TRIGGER IF EXISTS embeddings_log_insert",
    "DROP TABLE IF EXISTS search_vector_changes",
    "DROP TRIGGER IF EXISTS papers_embed_delete",
    "DROP TRIGGER IF EXISTS papers_embed_update",
    "DROP TRIGGER IF EXISTS papers_embed_insert",
    "DROP TABLE IF EXISTS search_embed_queue",
    "DROP TABLE IF EXISTS search_term_stats",
    "DROP TRIGGER IF EXISTS authors_fts_rename",
    "DROP TRIGGER IF EXISTS paper_authors_fts_update",
    "DROP TRIGGER IF EXISTS paper_authors_fts_delete",
    "DROP TRIGGER IF EXISTS paper_authors_fts_insert",
    "DROP TRIGGER IF EXISTS papers_fts_delete",
    "DROP TRIGGER IF EXISTS papers_fts_update",
    "DROP TRIGGER IF EXISTS papers_fts_insert",
    "DROP TABLE IF EXISTS papers_fts_vocab",
    "DROP TABLE IF EXISTS papers_fts",
]

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    "CREATE TABLE paper_search ("
    "paper_id integer PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE, "
    "document tsvector NOT NULL)",
    "CREATE INDEX ix_paper_search_document ON paper_search USING gin (document)",
    """CREATE FUNCTION dp_paper_document(pid integer) RETURNS tsvector
    LANGUAGE sql STABLE AS $$
      SELECT setweight(to_tsvector('english', coalesce(p.title, '')), 'A')
          || setweight(to_tsvector('english', coalesce(p.abstract, '')), 'B')
          || setweight(to_tsvector('simple', coalesce((
               SELECT string_agg(a.name, ', ' ORDER BY pa.position)
               FROM paper_authors pa JOIN authors a ON a.id = pa.author_id
               WHERE pa.paper_id = pid), '')), 'C')
      FROM papers p WHERE p.id = pid
    $$""",
    """CREATE FUNCTION dp_paper_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO paper_search(paper_id, document) VALUES (NEW.id, dp_paper_document(NEW.id))
      ON CONFLICT (paper_id) DO UPDATE SET document = EXCLUDED.document;
      RETURN NULL;
    END $$""",
    """CREATE FUNCTION dp_paper_search_authors_new() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE paper_search s SET document = dp_paper_document(s.paper_id)
      WHERE s.paper_id IN (SELECT DISTINCT paper_id FROM new_rows);
      RETURN NULL;
    END $$""",
    """CREATE FUNCTION dp_paper_search_authors_old() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE paper_search s SET document = dp_paper_document(s.paper_id)
      WHERE s.paper_id IN (SELECT DISTINCT paper_id FROM old_rows);
      RETURN NULL;
    END $$""",
    """CREATE FUNCTION dp_paper_search_author_rename() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE paper_search s SET document = dp_paper_document(s.paper_id)
      WHERE s.paper_id IN (SELECT paper_id FROM paper_authors WHERE author_id = NEW.id);
      RETURN NULL;
    END $$""",
    "CREATE TRIGGER papers_search_insert AFTER INSERT ON papers "
    "FOR EACH ROW EXECUTE FUNCTION dp_paper_search_row()",
    "CREATE TRIGGER papers_search_update AFTER UPDATE OF title, abstract ON papers "
    "FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title "
    "OR OLD.abstract IS DISTINCT FROM NEW.abstract) EXECUTE FUNCTION dp_paper_search_row()",
    "CREATE TRIGGER paper_authors_search_insert AFTER INSERT ON paper_authors "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION dp_paper_search_authors_new()",
    "CREATE TRIGGER paper_authors_search_update_new AFTER UPDATE ON paper_authors "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION dp_paper_search_authors_new()",
    "CREATE TRIGGER paper_authors_search_update_old AFTER UPDATE ON paper_authors "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION dp_paper_search_authors_old()",
    "CREATE TRIGGER paper_authors_search_delete AFTER DELETE ON paper_authors "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION dp_paper_search_authors_old()",
    "CREATE TRIGGER authors_search_rename AFTER UPDATE OF name ON authors "
    "FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) "
    "EXECUTE FUNCTION dp_paper_search_author_rename()",
    "INSERT INTO paper_search(paper_id, document) SELECT id, dp_paper_document(id) FROM papers",
    "CREATE TABLE search_term_stats (term varchar(200) PRIMARY KEY, df integer NOT NULL)",
    "CREATE TABLE search_embed_queue ("
    "paper_id integer PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE)",
    "INSERT INTO search_embed_queue(paper_id) SELECT id FROM papers",
    """CREATE FUNCTION dp_search_embed_queue() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO search_embed_queue(paper_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$""",
    "CREATE TRIGGER papers_embed_insert AFTER INSERT ON papers "
    "FOR EACH ROW EXECUTE FUNCTION dp_search_embed_queue()",
    "CREATE TRIGGER papers_embed_update AFTER UPDATE OF title, abstract ON papers "
    "FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title "
    "OR OLD.abstract IS DISTINCT FROM NEW.abstract) EXECUTE FUNCTION dp_search_embed_queue()",
    "CREATE TABLE paper_vectors ("
    "paper_id integer PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE, "
    "model varchar(200) NOT NULL, text_hash varchar(64) NOT NULL, "
    "embedding halfvec(384) NOT NULL)",
    "CREATE INDEX ix_paper_vectors_hnsw ON paper_vectors "
    "USING hnsw (embedding halfvec_cosine_ops) WITH (m = 16, ef_construction = 128)",
]

POSTGRES_DOWN = [
    "DROP TABLE IF EXISTS paper_vectors",
    "DROP TRIGGER IF EXISTS papers_embed_update ON papers",
    "DROP TRIGGER IF EXISTS papers_embed_insert ON papers",
    "DROP FUNCTION IF EXISTS dp_search_embed_queue()",
    "DROP TABLE IF EXISTS search_embed_queue",
    "DROP TABLE IF EXISTS search_term_stats",
    "DROP TRIGGER IF EXISTS authors_search_rename ON authors",
    "DROP TRIGGER IF EXISTS paper_authors_search_delete ON paper_authors",
    "DROP TRIGGER IF EXISTS paper_authors_search_update_old ON paper_authors",
    "DROP TRIGGER IF EXISTS paper_authors_search_update_new ON paper_authors",
    "DROP TRIGGER IF EXISTS paper_authors_search_insert ON paper_authors",
    "DROP TRIGGER IF EXISTS papers_search_update ON papers",
    "DROP TRIGGER IF EXISTS papers_search_insert ON papers",
    "DROP FUNCTION IF EXISTS dp_paper_search_author_rename()",
    "DROP FUNCTION IF EXISTS dp_paper_search_authors_old()",
    "DROP FUNCTION IF EXISTS dp_paper_search_authors_new()",
    "DROP FUNCTION IF EXISTS dp_paper_search_row()",
    "DROP FUNCTION IF EXISTS dp_paper_document(integer)",
    "DROP TABLE IF EXISTS paper_search",
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
