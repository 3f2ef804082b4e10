"""SQLite's full text: tantivy ranks (exact top k, `keyword_index`); FTS5 counts, filters the
weekly chart and ranks exactly whenever tantivy cannot answer for a session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import snowballstemmer
from sqlalchemy import (
    ColumnElement,
    Engine,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from dailypapers.papers.models import Paper
from dailypapers.search.fulltext import SQLITE_DOCUMENTS, BudgetedIndex, Scored
from dailypapers.search.keyword_index import KeywordIndex, engine_of, prune_log
from dailypapers.search.text import ParsedQuery

FILTER_DEPTH = 4_000  # the deepest the keyword index's ranking is read to satisfy filters


def _passing(
    session: Session, found: Sequence[Scored], where: Sequence[ColumnElement[bool]]
) -> list[Scored]:
    """The papers of `found` that pass `where`, in their order."""
    if not found:
        return []
    stmt = select(Paper.id).where(Paper.id.in_([s.paper_id for s in found]), *where)
    passing = set(session.scalars(stmt))
    return [s for s in found if s.paper_id in passing]


class SqliteFullText(BudgetedIndex):
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

    def scored(
        self,
        session: Session,
        *,
        query: ParsedQuery,
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> list[Scored]:
        """tantivy's exact top k when it holds what this session sees; else FTS5, exactly."""
        index = self.keyword.ready_for(session) if self.keyword and query.terms else None
        if index is not None:
            found = self._ranked_by_index(session, index, query, limit, where)
            if found is not None:
                return found
        return super().scored(session, query=query, limit=limit, where=where)

    def _ranked_by_index(
        self,
        session: Session,
        index: Any,
        query: ParsedQuery,
        limit: int,
        where: Sequence[ColumnElement[bool]],
    ) -> list[Scored] | None:
        """The top `limit` passing `where`: the index's ranking, read deeper as filters
        reject papers; None when the filters are too narrow for that (FTS5 then)."""
        assert self.keyword is not None
        fetch = limit
        while True:
            ranked = self.keyword.ranked(index, query, fetch)
            passing = _passing(session, ranked, where) if where else ranked
            if len(passing) >= limit or len(ranked) < fetch:
                return passing[:limit]
            if fetch >= FILTER_DEPTH:
                return None
            fetch = min(fetch * 4, FILTER_DEPTH)

    def count(
        self, session: Session, *, query: ParsedQuery, where: Sequence[ColumnElement[bool]] = ()
    ) -> tuple[int, bool]:
        index = self.keyword.ready_for(session) if self.keyword and query.terms else None
        if index is not None and not where:
            return self.keyword.count(index, query), True  # type: ignore[union-attr]
        return super().count(session, query=query, where=where)

    def sync(self, engine: Engine) -> int:
        """Replay the change log into the tantivy index, then drop what it holds."""
        if self.keyword is None:
            return 0
        changed = self.keyword.catch_up(engine)
        with Session(engine) as session, session.begin():
            prune_log(session, self.keyword)
        return changed

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
        if self.keyword is not None:
            self.keyword.rebuild(engine_of(session))
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
