"""The full-text index: one interface, an implementation per backend.

Both are kept in sync with the catalogue by database triggers (migration 0002_search), so
every writer - the ORM, bulk Core inserts, raw SQL - updates them in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import snowballstemmer
from sqlalchemy import (
    ColumnElement,
    Engine,
    TableClause,
    bindparam,
    select,
    text,
)
from sqlalchemy.orm import QueryableAttribute, Session

from dailypapers.papers.models import Paper
from dailypapers.search.filters import VISIBLE
from dailypapers.search.highlight import Segment, TermMarker
from dailypapers.search.text import ParsedQuery


@dataclass(frozen=True, slots=True)
class Scored:
    """A keyword match and its score: BM25 (tantivy, FTS5) or `ts_rank`; higher is better."""

    paper_id: int
    score: float
    every: bool = True  # the paper holds every term and phrase of the query


@dataclass(frozen=True, slots=True)
class Highlighted:
    title: list[Segment]
    abstract: list[Segment]


class FullTextIndex(Protocol):
    def search(
        self,
        session: Session,
        *,
        query: ParsedQuery,
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> list[int]:
        """Paper ids, best match first: papers with every term, then papers with any."""
        ...

    def scored(
        self,
        session: Session,
        *,
        query: ParsedQuery,
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> list[Scored]:
        """What `search` finds, in its order, each paper with its score (the fusion of
        hybrid search reads them)."""
        ...

    def scored_and_counted(
        self,
        session: Session,
        *,
        query: ParsedQuery,
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> tuple[list[Scored], int | None]:
        """`scored`, and the exact number of papers passing `where` that hold every term and
        phrase when finding the list counted them on the way (else None: ask `count`)."""
        ...

    def matching(
        self,
        session: Session,
        *,
        query: ParsedQuery,
        column: ColumnElement[Any] | QueryableAttribute[Any],
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> list[Any]:
        """`column` of papers holding every term, unranked and in no order: for counting."""
        ...

    def highlight(
        self, session: Session, *, query: ParsedQuery, paper_ids: Sequence[int]
    ) -> dict[int, Highlighted]:
        """Title and abstract of those papers that match, with the matched terms marked."""
        ...

    def marker(self, query: ParsedQuery) -> TermMarker | None:
        """Marks the query's terms in a text as the index matches them (None: no terms)."""
        ...

    def count(
        self, session: Session, *, query: ParsedQuery, where: Sequence[ColumnElement[bool]] = ()
    ) -> tuple[int, bool]:
        """(papers holding every term and phrase, whether that count is exact)."""
        ...

    def rebuild(self, session: Session) -> int:
        """Recompute the index from the catalogue; returns the number of papers indexed."""
        ...

    def sync(self, engine: Engine) -> int:
        """Bring an index kept outside the database up to date with committed changes."""
        ...

    def refresh_statistics(self, session: Session) -> int:
        """Recount each term's document frequency (for pruning); returns the terms counted."""
        ...


# Scoring (BM25, ts_rank) is what costs: it runs on every paper a query matches. On a big
# collection the stored document frequencies bound that work: an OR query keeps its rarest
# terms until their papers add up to BUDGET (at least MIN_TERMS terms; common terms add
# little to the score, their idf being low), and a query that would still match more than
# BUDGET papers is scored on its newest BUDGET matches only. Collections of up to
# EXACT_BELOW papers, and any database whose statistics were never counted, are scored
# exactly. The statistics row with the empty term holds the number of papers.
BUDGET = 5_000
# ts_rank reads each matched document whole (TOAST included): about 5 us a paper, against
# under 2 us for FTS5's bm25, so PostgreSQL scores fewer.
POSTGRES_BUDGET = 2_000
MIN_TERMS = 2
EXACT_BELOW = 20_000
COUNT_CAP = 10_000  # the most matches counted one by one where no index counts them
_stats_query = text("SELECT term, df FROM search_term_stats WHERE term IN :stems").bindparams(
    bindparam("stems", expanding=True)
)


@dataclass(frozen=True, slots=True)
class Plan:
    """How to run a keyword query within the budget."""

    terms: tuple[str, ...]
    every_terms_cost: int  # papers an AND query may match (the rarest term's)
    any_terms: tuple[str, ...]  # the terms kept for the OR query
    any_terms_cost: int


def plan(
    session: Session,
    terms: Sequence[str],
    stemmer: snowballstemmer.stemmer,
    budget: int = BUDGET,
) -> Plan:
    stems = {t: stemmer.stemWord(t) for t in terms}
    found = session.execute(_stats_query, {"stems": sorted({*stems.values(), ""})})
    df: dict[str, int] = {row[0]: row[1] for row in found}
    if df.get("", 0) < EXACT_BELOW:
        return Plan(tuple(terms), 0, tuple(terms), 0)
    cost = {t: df.get(stems[t], 0) for t in terms}
    kept: list[str] = []
    spent = 0
    for term in sorted(terms, key=lambda t: cost[t]):
        if len(kept) >= MIN_TERMS and spent + cost[term] > budget:
            break
        kept.append(term)
        spent += cost[term]
    return Plan(tuple(terms), min(cost.values()), tuple(kept), spent)


def every_then_any(first: list[Scored], second: list[Scored], limit: int) -> list[Scored]:
    """The papers holding every term, then those holding any that are not among them."""
    seen = {s.paper_id for s in first}
    return (first + [s for s in second if s.paper_id not in seen])[:limit]


def highlight_papers(
    session: Session,
    *,
    query: ParsedQuery,
    paper_ids: Sequence[int],
    stemmer: snowballstemmer.stemmer,
) -> dict[int, Highlighted]:
    """Words whose stem is a query term's stem, marked, with the stemmer of the index."""
    if not query.terms or not paper_ids:
        return {}
    marker = TermMarker(query.terms, stemmer)
    rows = session.execute(
        select(Paper.id, Paper.title, Paper.abstract).where(Paper.id.in_(list(paper_ids)))
    )
    found = {pid: (t or "", a or "") for pid, t, a in rows}
    marked = highlight_texts(marker, list(found.values()))
    return {pid: h for pid, h in zip(found, marked, strict=True) if h is not None}


def highlight_texts(
    marker: TermMarker, texts: Sequence[tuple[str, str]]
) -> list[Highlighted | None]:
    """Each (title, abstract) with the marker's terms marked; None where neither holds one."""
    pairs = [(marker.mark(title), marker.mark(abstract)) for title, abstract in texts]
    return [Highlighted(t, a) if _any(t) or _any(a) else None for t, a in pairs]


def passing(
    session: Session, found: Sequence[Scored], where: Sequence[ColumnElement[bool]]
) -> list[Scored]:
    """The papers of `found` that pass `where`, in their order."""
    if not found or not where:
        return list(found)
    stmt = select(Paper.id).where(Paper.id.in_([s.paper_id for s in found]), *where)
    kept = set(session.scalars(stmt))
    return [s for s in found if s.paper_id in kept]


def beyond_visibility(where: Sequence[ColumnElement[bool]]) -> list[ColumnElement[bool]]:
    """`where` without the visibility condition every search starts with."""
    return [clause for clause in where if clause is not VISIBLE]


def _any(segments: list[Segment]) -> bool:
    return any(s.highlight for s in segments)


# What each backend's index holds for a paper, as one SELECT over papers: the rebuild reads
# every paper through it, a bulk batch (`search.deferral`) the papers it wrote.
SQLITE_DOCUMENTS = (
    "SELECT p.id, p.title, p.abstract, coalesce((SELECT group_concat(a.name, ', ') "
    "FROM paper_authors pa JOIN authors a ON a.id = pa.author_id "
    "WHERE pa.paper_id = p.id), '') FROM papers p"
)
# A join, planned with the tables' current statistics (a per-row dp_paper_document() call
# runs a plan cached when the tables were small). `{authors}` narrows the author list.
POSTGRES_DOCUMENTS = (
    "SELECT p.id, dp_document(p.title, p.abstract, n.names) FROM papers p LEFT JOIN ("
    "  SELECT pa.paper_id, string_agg(a.name, ', ' ORDER BY pa.position) AS names"
    "  FROM paper_authors pa JOIN authors a ON a.id = pa.author_id {authors}"
    "  GROUP BY pa.paper_id"
    ") n ON n.paper_id = p.id"
)


class BudgetedIndex:
    """The search flow both backends share: every term first, then any term, each scored
    within the budget; unranked matches for counting. A backend says how a list of terms
    matches (`_match`) and how a match scores (`_score`)."""

    source: TableClause  # the index table
    key: ColumnElement[int]  # its paper id
    stemmer: snowballstemmer.stemmer
    budget: int

    def _match(
        self, terms: Sequence[str], *, every: bool, phrases: Sequence[str] = ()
    ) -> ColumnElement[Any]:
        """The index's own query for these terms (all of them, or any) and phrases (all)."""
        raise NotImplementedError

    def _holds(self, match: ColumnElement[Any]) -> ColumnElement[bool]:
        raise NotImplementedError

    def _score(self, match: ColumnElement[Any]) -> ColumnElement[float]:
        """A match's score, higher is better."""
        raise NotImplementedError

    def _ranked(
        self,
        session: Session,
        match: ColumnElement[Any],
        limit: int,
        where: Sequence[ColumnElement[bool]],
        window: bool,
        every: bool,
    ) -> list[Scored]:
        matches = select(self.key).select_from(self.source).where(self._holds(match))
        score = self._score(match).label("score")  # ordered by its label: scored once
        stmt = matches.add_columns(score)
        if window:  # the newest `budget` matches: ids count up as papers arrive
            newest = matches.order_by(self.key.desc()).offset(self.budget).limit(1)
            floor = session.scalar(newest)
            if floor is not None:
                stmt = stmt.where(self.key > floor)
        if where:
            stmt = stmt.join(Paper, Paper.id == self.key).where(*where)
        rows = session.execute(stmt.order_by(score.desc(), self.key.desc()).limit(limit))
        return [Scored(int(pid), float(value), every) for pid, value in rows]

    def search(
        self,
        session: Session,
        *,
        query: ParsedQuery,
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> list[int]:
        return [s.paper_id for s in self.scored(session, query=query, limit=limit, where=where)]

    def scored(
        self,
        session: Session,
        *,
        query: ParsedQuery,
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> list[Scored]:
        if where and not beyond_visibility(where):  # no join: hidden papers (rare) go after
            found = self.scored(session, query=query, limit=limit)
            return passing(session, found, where)
        if not query.terms:
            return []
        if self.budget:
            p = plan(session, query.terms, self.stemmer, self.budget)
        else:  # exact: every match is scored
            p = Plan(query.terms, 0, query.terms, 0)
        every_match = self._match(p.terms, every=True, phrases=query.phrases)
        every_window = p.every_terms_cost > self.budget
        every = self._ranked(session, every_match, limit, where, every_window, every=True)
        if len(every) >= limit or len(p.terms) + len(query.phrases) == 1:
            return every
        any_match = self._match(p.any_terms, every=False, phrases=query.phrases)
        any_window = p.any_terms_cost > self.budget
        anyone = self._ranked(session, any_match, limit, where, any_window, every=False)
        return every_then_any(every, anyone, limit)

    def scored_and_counted(
        self,
        session: Session,
        *,
        query: ParsedQuery,
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> tuple[list[Scored], int | None]:
        return self.scored(session, query=query, limit=limit, where=where), None

    def matching(
        self,
        session: Session,
        *,
        query: ParsedQuery,
        column: ColumnElement[Any] | QueryableAttribute[Any],
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> list[Any]:
        if not query.terms:
            return []
        stmt = (
            select(column)
            .select_from(self.source)
            .join(Paper, Paper.id == self.key)
            .where(self._holds(self._match(query.terms, every=True, phrases=query.phrases)), *where)
        )
        return list(session.scalars(stmt.limit(limit)))

    def count(
        self, session: Session, *, query: ParsedQuery, where: Sequence[ColumnElement[bool]] = ()
    ) -> tuple[int, bool]:
        """Counted exactly up to COUNT_CAP; above it, "more than COUNT_CAP" (not exact)."""
        if not query.terms:
            return 0, True
        held = self.matching(
            session, query=query, column=Paper.id, limit=COUNT_CAP + 1, where=where
        )
        return min(len(held), COUNT_CAP), len(held) <= COUNT_CAP

    def sync(self, engine: Engine) -> int:
        return 0

    def highlight(
        self, session: Session, *, query: ParsedQuery, paper_ids: Sequence[int]
    ) -> dict[int, Highlighted]:
        return highlight_papers(session, query=query, paper_ids=paper_ids, stemmer=self.stemmer)

    def marker(self, query: ParsedQuery) -> TermMarker | None:
        return TermMarker(query.terms, self.stemmer) if query.terms else None
