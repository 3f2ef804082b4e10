"""Keyword ranking both backends share: tantivy's exact top k (`keyword_index`) when it holds
what the session sees, the database's own full text otherwise (and for the chart, and for
counts under filters)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tantivy
from sqlalchemy import ColumnElement, Engine
from sqlalchemy.orm import Session

from dailypapers.search.fulltext import BudgetedIndex, Scored, beyond_visibility, passing
from dailypapers.search.keyword_index import KeywordIndex, engine_of
from dailypapers.search.text import ParsedQuery

FILTER_DEPTH = 4_000  # the deepest the keyword index's ranking is read to satisfy filters


class TantivyFirst(BudgetedIndex):
    """A backend's full text with a tantivy index in front of it (`keyword`, None: none)."""

    keyword: KeywordIndex | None

    def _index_for(self, session: Session, query: ParsedQuery) -> tantivy.Index | None:
        return self.keyword.ready_for(session) if self.keyword and query.terms else None

    def scored(
        self,
        session: Session,
        *,
        query: ParsedQuery,
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> list[Scored]:
        """tantivy's exact top k when it holds what this session sees; else the full text."""
        return self.scored_and_counted(session, query=query, limit=limit, where=where)[0]

    def scored_and_counted(
        self,
        session: Session,
        *,
        query: ParsedQuery,
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> tuple[list[Scored], int | None]:
        """`scored`, and the exact count of papers holding every term and phrase when the
        ranking found it on the way (the index answered a query with no filter)."""
        index = self._index_for(session, query)
        if index is not None:  # it holds visible papers only
            extra = beyond_visibility(where)
            if not extra:
                assert self.keyword is not None
                return self.keyword.ranked_and_counted(index, query, limit)
            found = self._ranked_by_index(session, index, query, limit, extra)
            if found is not None:
                return found, None
        return super().scored(session, query=query, limit=limit, where=where), None

    def _ranked_by_index(
        self,
        session: Session,
        index: Any,
        query: ParsedQuery,
        limit: int,
        where: Sequence[ColumnElement[bool]],
    ) -> list[Scored] | None:
        """The top `limit` passing `where`: the index's ranking, read deeper as filters
        reject papers; None when the filters are too narrow for that (the full text then)."""
        assert self.keyword is not None
        fetch = limit
        while True:
            ranked = self.keyword.ranked(index, query, fetch)
            kept = passing(session, ranked, where)
            if len(kept) >= limit or len(ranked) < fetch:
                return kept[:limit]
            if fetch >= FILTER_DEPTH:
                return None
            fetch = min(fetch * 4, FILTER_DEPTH)

    def count(
        self, session: Session, *, query: ParsedQuery, where: Sequence[ColumnElement[bool]] = ()
    ) -> tuple[int, bool]:
        index = None if beyond_visibility(where) else self._index_for(session, query)
        if index is None or self.keyword is None:  # filters, or the index cannot answer
            return super().count(session, query=query, where=where)
        return self.keyword.count(index, query), True

    def sync(self, engine: Engine) -> int:
        """Replay the change log into the tantivy index, then drop what no index needs."""
        if self.keyword is None:
            return 0
        changed = self.keyword.catch_up(engine)
        with Session(engine) as session, session.begin():
            self.keyword.prune(session)
        return changed

    def _rebuild_keyword(self, session: Session) -> None:
        if self.keyword is not None:
            self.keyword.rebuild(engine_of(session))
