"""The full-text index: one interface, an implementation per backend.

Both are kept in sync with the catalogue by database triggers (migration 0002_search), so
every writer - the ORM, bulk Core inserts, raw SQL - updates them in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from dailypapers.papers.models import Paper
from dailypapers.search.highlight import START, STOP, Segment, split_marked
from dailypapers.search.text import ParsedQuery


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

    def highlight(
        self, session: Session, *, query: ParsedQuery, paper_ids: Sequence[int]
    ) -> dict[int, Highlighted]:
        """Title and abstract of those papers that match, with the matched terms marked."""
        ...

    def rebuild(self, session: Session) -> int:
        """Recompute the index from the catalogue; returns the number of papers indexed."""
        ...


def _merge(first: list[int], second: list[int], limit: int) -> list[int]:
    merged = list(dict.fromkeys(first + second))
    return merged[:limit]


class SqliteFullText:
    """FTS5 with BM25; title weighted above abstract, authors searchable."""

    fts = table("papers_fts", column("rowid"), column("title"), column("abstract"))

    def __init__(
        self, title_weight: float = 4.0, abstract_weight: float = 1.0, authors_weight: float = 1.0
    ) -> None:
        self.weights = (title_weight, abstract_weight, authors_weight)

    def _ranked(
        self, session: Session, match: str, limit: int, where: Sequence[ColumnElement[bool]]
    ) -> list[int]:
        rank = func.bm25(literal_column("papers_fts"), *self.weights)
        rowid = literal_column("papers_fts.rowid")
        stmt = select(rowid).select_from(self.fts).where(literal_column("papers_fts").op("MATCH")(match))
        if where:
            stmt = stmt.join(Paper, Paper.id == rowid).where(*where)
        return list(session.scalars(stmt.order_by(rank).limit(limit)))

    def search(
        self,
        session: Session,
        *,
        query: ParsedQuery,
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> list[int]:
        if not query.terms:
            return []
        quoted = [f'"{term}"' for term in query.terms]
        every = self._ranked(session, " AND ".join(quoted), limit, where)
        if len(every) >= limit or len(quoted) == 1:
            return every
        return _merge(every, self._ranked(session, " OR ".join(quoted), limit, where), limit)

    def highlight(
        self, session: Session, *, query: ParsedQuery, paper_ids: Sequence[int]
    ) -> dict[int, Highlighted]:
        if not query.terms or not paper_ids:
            return {}
        rows = session.execute(
            text(
                "SELECT rowid, highlight(papers_fts, 0, :start, :stop), "
                "highlight(papers_fts, 1, :start, :stop) FROM papers_fts "
                "WHERE papers_fts MATCH :match AND rowid IN (SELECT value FROM json_each(:ids))"
            ),
            {
                "start": START,
                "stop": STOP,
                "match": " OR ".join(f'"{t}"' for t in query.terms),
                "ids": "[" + ",".join(str(int(i)) for i in paper_ids) + "]",
            },
        )
        return {
            pid: Highlighted(split_marked(title or ""), split_marked(abstract or ""))
            for pid, title, abstract in rows
        }

    def rebuild(self, session: Session) -> int:
        session.execute(text("DELETE FROM papers_fts"))
        session.execute(
            text(
                "INSERT INTO papers_fts(rowid, title, abstract, authors) "
                "SELECT p.id, p.title, p.abstract, coalesce((SELECT group_concat(a.name, ', ') "
                "FROM paper_authors pa JOIN authors a ON a.id = pa.author_id "
                "WHERE pa.paper_id = p.id), '') FROM papers p"
            )
        )
        session.execute(text("INSERT INTO papers_fts(papers_fts) VALUES ('optimize')"))
        return session.scalar(text("SELECT count(*) FROM papers_fts")) or 0


class PostgresFullText:
    """A weighted tsvector (title A, abstract B, authors C) with a GIN index."""

    search_table = table("paper_search", column("paper_id"), column("document"))

    def __init__(self, weights: tuple[float, float, float, float] = (0.1, 0.2, 0.4, 1.0)) -> None:
        self.weights = weights  # D, C (authors), B (abstract), A (title), as ts_rank wants

    def _ranked(
        self, session: Session, tsquery: str, limit: int, where: Sequence[ColumnElement[bool]]
    ) -> list[int]:
        doc = self.search_table.c.document
        query = func.to_tsquery("english", tsquery)
        weights = literal_column(
            "ARRAY[" + ",".join(str(float(w)) for w in self.weights) + "]::float4[]"
        )
        rank = func.ts_rank(weights, doc, query, 1)
        stmt = select(self.search_table.c.paper_id).where(doc.op("@@")(query))
        if where:
            stmt = stmt.join(Paper, Paper.id == self.search_table.c.paper_id).where(*where)
        return list(session.scalars(stmt.order_by(rank.desc()).limit(limit)))

    def search(
        self,
        session: Session,
        *,
        query: ParsedQuery,
        limit: int,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> list[int]:
        if not query.terms:
            return []
        every = self._ranked(session, " & ".join(query.terms), limit, where)
        if len(every) >= limit or len(query.terms) == 1:
            return every
        return _merge(every, self._ranked(session, " | ".join(query.terms), limit, where), limit)

    def highlight(
        self, session: Session, *, query: ParsedQuery, paper_ids: Sequence[int]
    ) -> dict[int, Highlighted]:
        if not query.terms or not paper_ids:
            return {}
        options = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
        rows = session.execute(
            text(
                "SELECT p.id, ts_headline('english', p.title, q, :options), "
                "ts_headline('english', p.abstract, q, :options) "
                "FROM papers p JOIN paper_search s ON s.paper_id = p.id, "
                "to_tsquery('english', :query) q "
                "WHERE p.id = ANY(:ids) AND s.document @@ q"
            ),
            {"options": options, "query": " | ".join(query.terms), "ids": list(paper_ids)},
        )
        return {
            pid: Highlighted(split_marked(title or ""), split_marked(abstract or ""))
            for pid, title, abstract in rows
        }

    def rebuild(self, session: Session) -> int:
        session.execute(text("DELETE FROM paper_search"))
        session.execute(
            text(
                "INSERT INTO paper_search(paper_id, document) "
                "SELECT id, dp_paper_document(id) FROM papers"
            )
        )
        return session.scalar(text("SELECT count(*) FROM paper_search")) or 0
