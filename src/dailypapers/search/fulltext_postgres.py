"""PostgreSQL's full text: tantivy ranks (exact top k, `keyword_index`, a folder on each node);
a weighted tsvector per paper with a GIN index counts under filters, filters the weekly chart
and ranks with `ts_rank`, within its budget, whenever tantivy cannot answer for a session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import snowballstemmer
from sqlalchemy import ColumnElement, column, func, literal_column, table, text
from sqlalchemy.orm import Session

from dailypapers.search.fulltext import POSTGRES_BUDGET, POSTGRES_DOCUMENTS
from dailypapers.search.fulltext_tantivy import TantivyFirst
from dailypapers.search.keyword_index import KeywordIndex


class PostgresFullText(TantivyFirst):
    """A weighted tsvector (title A, abstract B, authors C) with a GIN index."""

    source = table("paper_search", column("paper_id"), column("document"))
    key = source.c.paper_id
    _document = source.c.document

    def __init__(
        self,
        keyword: KeywordIndex | None = None,
        weights: tuple[float, float, float, float] = (0.1, 0.2, 0.4, 1.0),
    ) -> None:
        self.keyword = keyword
        self.weights = weights  # D, C (authors), B (abstract), A (title), as ts_rank wants
        self.stemmer = snowballstemmer.stemmer("english")  # PostgreSQL's english config
        self.budget = POSTGRES_BUDGET

    def _match(
        self, terms: Sequence[str], *, every: bool, phrases: Sequence[str] = ()
    ) -> ColumnElement[Any]:
        # every: all terms and phrases; any: any of them (a phrase as one more term)
        parts = [*terms, *(f"({' <-> '.join(p.split())})" for p in phrases)]
        return func.to_tsquery("english", (" & " if every else " | ").join(parts))

    def _holds(self, match: ColumnElement[Any]) -> ColumnElement[bool]:
        return self._document.op("@@")(match)

    def _score(self, match: ColumnElement[Any]) -> ColumnElement[float]:
        weights: ColumnElement[Any] = literal_column(
            "ARRAY[" + ",".join(str(float(w)) for w in self.weights) + "]::float4[]"
        )
        return func.ts_rank(weights, self._document, match, 1)

    def rebuild(self, session: Session) -> int:
        session.execute(text("DELETE FROM paper_search"))
        documents = POSTGRES_DOCUMENTS.format(authors="")
        session.execute(text(f"INSERT INTO paper_search(paper_id, document) {documents}"))
        self._rebuild_keyword(session)
        return session.scalar(text("SELECT count(*) FROM paper_search")) or 0

    def refresh_statistics(self, session: Session) -> int:
        session.execute(text("DELETE FROM search_term_stats"))
        session.execute(
            text(
                "INSERT INTO search_term_stats(term, df) SELECT word, ndoc "
                "FROM ts_stat('SELECT document FROM paper_search') WHERE length(word) <= 200"
            )
        )
        session.execute(
            text("INSERT INTO search_term_stats(term, df) SELECT '', count(*) FROM paper_search")
        )
        return session.scalar(text("SELECT count(*) FROM search_term_stats")) or 0
