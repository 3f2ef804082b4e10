"""SQLite's full text: tantivy ranks (exact top k, `keyword_index`); FTS5 counts, filters the
weekly chart and ranks exactly whenever tantivy cannot answer for a session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import snowballstemmer
from sqlalchemy import ColumnElement, column, func, literal, literal_column, table, text
from sqlalchemy.orm import Session

from dailypapers.search.fulltext import SQLITE_DOCUMENTS
from dailypapers.search.fulltext_tantivy import TantivyFirst
from dailypapers.search.keyword_index import KeywordIndex


class SqliteFullText(TantivyFirst):
    """FTS5 with BM25; title weighted above abstract, authors searchable."""

    source = table("papers_fts", column("rowid"), column("title"), column("abstract"))
    key = literal_column("papers_fts.rowid")
    _fts: ColumnElement[Any] = literal_column("papers_fts")

    def __init__(
        self,
        keyword: KeywordIndex | None = None,
        title_weight: float = 4.0,
        abstract_weight: float = 1.0,
        authors_weight: float = 1.0,
    ) -> None:
        self.keyword = keyword
        self.weights = (title_weight, abstract_weight, authors_weight)
        self.stemmer = snowballstemmer.stemmer("porter")  # FTS5's porter tokenizer
        self.budget = 0  # FTS5 scores exactly; tantivy is the fast path

    def _match(
        self, terms: Sequence[str], *, every: bool, phrases: Sequence[str] = ()
    ) -> ColumnElement[Any]:
        # every: all terms and phrases; any: any of them (a phrase as one more term)
        return literal(f" {'AND' if every else 'OR'} ".join(f'"{t}"' for t in (*terms, *phrases)))

    def _holds(self, match: ColumnElement[Any]) -> ColumnElement[bool]:
        return self._fts.op("MATCH")(match)

    def _score(self, match: ColumnElement[Any]) -> ColumnElement[float]:
        return -func.bm25(self._fts, *self.weights)  # FTS5's bm25() is negative, best lowest

    def rebuild(self, session: Session) -> int:
        session.execute(text("DELETE FROM papers_fts"))
        session.execute(
            text(f"INSERT INTO papers_fts(rowid, title, abstract, authors) {SQLITE_DOCUMENTS}")
        )
        session.execute(text("INSERT INTO papers_fts(papers_fts) VALUES ('optimize')"))
        self._rebuild_keyword(session)
        return session.scalar(text("SELECT count(*) FROM papers_fts")) or 0

    def refresh_statistics(self, session: Session) -> int:
        session.execute(text("DELETE FROM search_term_stats"))
        session.execute(
            text("INSERT INTO search_term_stats(term, df) SELECT term, doc FROM papers_fts_vocab")
        )
        session.execute(
            text("INSERT INTO search_term_stats(term, df) SELECT '', count(*) FROM papers_fts")
        )
        return session.scalar(text("SELECT count(*) FROM search_term_stats")) or 0
