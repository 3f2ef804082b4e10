"""Search and similar papers: the functions the web pages, the API, the CLI and digests share."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from dailypapers.papers.models import Paper
from dailypapers.papers.queries import PaperCard, cards_by_id, upvote_count
from dailypapers.search.backends import SearchBackend, backend_for
from dailypapers.search.embedder import (
    Embedder,
    EmbedderUnavailable,
    ModelNotReady,
    default_embedder,
)
from dailypapers.search.filters import SearchFilters
from dailypapers.search.fulltext import Scored, highlight_texts
from dailypapers.search.fusion import Fusion, fuse
from dailypapers.search.highlight import Segment, plain
from dailypapers.search.identifiers import identifier_in, paper_with
from dailypapers.search.models import Embedding
from dailypapers.search.text import ParsedQuery, parse_query

log = logging.getLogger(__name__)

Mode = Literal["keyword", "semantic", "hybrid"]
SortOrder = Literal["relevance", "newest", "upvotes"]
__all__ = ["MODES", "SORTS", "SearchFilters", "SearchHit", "SearchResults", "search_papers"]
MODES: tuple[Mode, ...] = ("keyword", "semantic", "hybrid")
SORTS: tuple[SortOrder, ...] = ("relevance", "newest", "upvotes")
ANN_CAP = 4000  # the most neighbours fetched to satisfy filters before an exact scan
EXACT_CAP = 50_000  # the most filtered papers an exact scan reads


@dataclass(frozen=True, slots=True)
class SearchHit:
    paper_id: int
    card: PaperCard
    score: float
    keyword_rank: int | None  # 1-based rank in the keyword list, if there
    semantic_rank: int | None
    title_segments: list[Segment]
    abstract_segments: list[Segment]
    keyword_score: float | None = None  # BM25 (or ts_rank on PostgreSQL's fallback), if listed
    semantic_score: float | None = None  # cosine similarity to the query, if listed
    every_term: bool = False  # in the keyword list, holding every term and phrase

    @property
    def matched(self) -> bool:
        return any(s.highlight for s in (*self.title_segments, *self.abstract_segments))

    def as_dict(self) -> dict[str, Any]:
        card = self.card
        return {
            "id": card.key,
            "title": card.title,
            "summary": card.abstract,
            "authors": card.authors,
            "publishedAt": card.published_at.isoformat() if card.published_at else None,
            "upvotes": card.upvotes,
            "organization": card.organization.name if card.organization else None,
            "codeUrl": card.code_url,
            "score": round(self.score, 6),
            "keywordRank": self.keyword_rank,
            "semanticRank": self.semantic_rank,
            "highlightedTitle": [s.as_dict() for s in self.title_segments],
            "highlightedSummary": [s.as_dict() for s in self.abstract_segments],
        }


@dataclass(slots=True)
class SearchResults:
    query: str
    mode: Mode  # the mode that ran
    requested_mode: Mode
    sort: SortOrder
    hits: list[SearchHit]
    total: int  # papers that match: holding every word (semantic: the papers ranked)
    limit: int
    offset: int
    notice: str | None = None  # e.g. why semantic search fell back to keywords
    filters: SearchFilters = field(default_factory=SearchFilters)
    total_exact: bool = True  # False: `total` is a lower bound ("more than")
    candidates: int = 0  # papers ranked, the list pages walk through

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.hits) < self.candidates

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "mode": self.mode,
            "requestedMode": self.requested_mode,
            "sort": self.sort,
            "total": self.total,
            "totalExact": self.total_exact,
            "candidates": self.candidates,
            "limit": self.limit,
            "offset": self.offset,
            "notice": self.notice,
            "hits": [h.as_dict() for h in self.hits],
        }


EmbedderSource = Callable[[], Embedder]


def search_papers(
    session: Session,
    *,
    query: str,
    mode: Mode = "hybrid",
    filters: SearchFilters | None = None,
    sort: SortOrder = "relevance",
    limit: int = 20,
    offset: int = 0,
    fusion: Fusion | None = None,
    embedder: EmbedderSource = default_embedder,
    highlight: bool = True,
) -> SearchResults:
    """Papers for `query`: keyword (BM25), semantic (vectors) or both, fused as `fusion`
    says. A query that is an arXiv id, an arXiv or Hugging Face URL or a DOI puts that paper
    first."""
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; choose one of {', '.join(SORTS)}")
    filters, fusion = filters or SearchFilters(), fusion or Fusion()
    limit, offset = max(1, min(limit, 1000)), max(0, offset)
    results = SearchResults(query, mode, mode, sort, [], 0, limit, offset, filters=filters)
    parsed = parse_query(query)
    if not parsed:
        return results
    ranked = _ranked(session, results, parsed, fusion, embedder)
    ordered = _sorted(session, list(ranked.fused), sort)
    named = identifier_in(query)
    first = paper_with(session, named, filters.where()) if named else None
    if first is not None:
        ordered = [first, *(pid for pid in ordered if pid != first)]
    results.candidates = len(ordered)
    _count(session, results, parsed, first, ranked.keyword_total)
    page = ordered[offset : offset + limit]
    results.hits = _hits(session, page, parsed, ranked, highlight=highlight)
    return results


@dataclass(frozen=True, slots=True)
class _Ranked:
    keyword: dict[int, float]  # paper id -> keyword score, best first
    every: set[int]  # the keyword list's papers that hold every term and phrase
    semantic: dict[int, float]  # paper id -> cosine similarity, nearest first
    fused: dict[int, float]
    keyword_total: int | None = None  # papers holding every term, if the ranking counted them


def _ranked(
    session: Session,
    results: SearchResults,
    parsed: ParsedQuery,
    fusion: Fusion,
    embedder: EmbedderSource,
) -> _Ranked:
    """The keyword and semantic lists and their fusion; sets the mode that actually ran."""
    backend = backend_for(session)
    filters, mode = results.filters, results.mode
    where = filters.where()
    depth = max(fusion.candidates, results.offset + results.limit)
    vector, results.notice = _query_vector(mode, parsed.text, embedder)
    if vector is None and mode != "keyword":
        results.mode = "keyword"
    found: list[Scored] = []
    total: int | None = None
    semantic: dict[int, float] = {}
    if results.mode in ("keyword", "hybrid"):
        found, total = backend.fulltext.scored_and_counted(
            session, query=parsed, limit=depth, where=where
        )
    if vector is not None:
        semantic = semantic_scores(session, backend, vector=vector, where=where, limit=depth)
        if not semantic and not _any_vectors(session):
            results.mode = "keyword"
            results.notice = "no paper has been embedded yet; showing keyword results"
    keyword = {s.paper_id: s.score for s in found}
    every = {s.paper_id for s in found if s.every}
    fused = fuse(keyword, semantic, fusion, every=every, depth=depth)
    return _Ranked(keyword, every, semantic, fused, total)


def _any_vectors(session: Session) -> bool:
    return session.scalar(select(Embedding.paper_id).limit(1)) is not None


def _count(
    session: Session,
    results: SearchResults,
    parsed: ParsedQuery,
    first: int | None,
    counted: int | None,
) -> None:
    """How many papers match: those holding every word (keyword and hybrid), counted by
    the index (`counted`: while it ranked); semantic search has no such set, so it
    reports the papers it ranked."""
    if results.mode == "semantic":
        results.total, results.total_exact = results.candidates, True
        return
    if counted is not None:
        total, exact = counted, True
    else:
        where = results.filters.where()
        total, exact = backend_for(session).fulltext.count(session, query=parsed, where=where)
    results.total, results.total_exact = (
        total + (1 if first is not None and total == 0 else 0),
        exact,
    )


def _hits(
    session: Session, page: list[int], parsed: ParsedQuery, ranked: _Ranked, *, highlight: bool
) -> list[SearchHit]:
    marker = backend_for(session).fulltext.marker(parsed) if highlight else None
    kw_rank = {pid: i + 1 for i, pid in enumerate(ranked.keyword)}
    sem_rank = {pid: i + 1 for i, pid in enumerate(ranked.semantic)}
    top = max(ranked.fused.values(), default=0.0)
    cards = cards_by_id(session, page)
    marks = highlight_texts(marker, [(c.title, c.abstract) for c in cards]) if marker else []
    hits = []
    for pid, card, mark in zip(page, cards, marks or [None] * len(cards), strict=True):
        hits.append(
            SearchHit(
                paper_id=pid,
                card=card,
                score=ranked.fused.get(pid, top),
                keyword_rank=kw_rank.get(pid),
                semantic_rank=sem_rank.get(pid),
                title_segments=mark.title if mark else plain(card.title),
                abstract_segments=mark.abstract if mark else plain(card.abstract),
                keyword_score=ranked.keyword.get(pid),
                semantic_score=ranked.semantic.get(pid),
                every_term=pid in ranked.every,
            )
        )
    return hits


def _query_vector(
    mode: Mode, text: str, embedder: EmbedderSource
) -> tuple[np.ndarray | None, str | None]:
    if mode == "keyword":
        return None, None
    try:
        return embedder().embed_query(text), None
    except ModelNotReady:  # a fresh install: say so, it answers by meaning in a minute
        return None, "The search model is still being prepared; showing keyword results."
    except EmbedderUnavailable as exc:  # why goes to the log; the reader gets a plain notice
        log.warning("semantic search unavailable: %s", exc)
        return None, "Semantic search is unavailable right now; showing keyword results."


def _visible(
    session: Session, ids: Sequence[int], where: Sequence[ColumnElement[bool]]
) -> list[int]:
    """`ids` that pass the filters, in their order."""
    if not ids:
        return []
    passing = set(session.scalars(select(Paper.id).where(Paper.id.in_(list(ids)), *where)))
    return [i for i in ids if i in passing]


def semantic_scores(
    session: Session,
    backend: SearchBackend,
    *,
    vector: np.ndarray,
    where: Sequence[ColumnElement[bool]],
    limit: int,
    model: str | None = None,
) -> dict[int, float]:
    """Nearest papers passing `where` -> their cosine similarity, nearest first: the ANN
    index, widened as filters reject neighbours, then an exact scan of the filtered papers
    when the filters are narrow."""
    from dailypapers.search.embedder import MODEL_NAME

    model = model or MODEL_NAME
    fetch = limit
    while True:
        found = backend.vectors.search(session, vector=vector, model=model, limit=fetch)
        similarity = {n.paper_id: n.similarity for n in found}
        ids = _visible(session, list(similarity), where)[:limit]
        if len(ids) >= limit or len(found) < fetch:
            return {pid: similarity[pid] for pid in ids}
        if fetch >= ANN_CAP:
            break
        fetch = min(fetch * 4, ANN_CAP)
    exact = exact_scores(session, vector=vector, where=where, limit=limit, model=model)
    return exact if exact is not None else {pid: similarity[pid] for pid in ids}


def exact_scores(
    session: Session,
    *,
    vector: np.ndarray,
    where: Sequence[ColumnElement[bool]],
    limit: int,
    model: str,
) -> dict[int, float] | None:
    """Exact cosine ranking of the papers passing `where` (id -> similarity, nearest first);
    None when they are too many."""
    rows = session.execute(
        select(Embedding.paper_id, Embedding.vector)
        .join(Paper, Paper.id == Embedding.paper_id)
        .where(Embedding.model == model, *where)
        .limit(EXACT_CAP + 1)
    ).all()
    if len(rows) > EXACT_CAP:
        return None
    if not rows:
        return {}
    scores = np.stack([r[1] for r in rows]) @ np.asarray(vector, dtype=np.float32)
    best = np.argsort(-scores)[:limit]
    return {int(rows[i][0]): float(scores[i]) for i in best}


def _sorted(session: Session, ids: list[int], sort: SortOrder) -> list[int]:
    if sort == "relevance" or not ids:
        return ids
    if sort == "newest":
        order = (Paper.published_at.desc().nulls_last(), Paper.id.desc())
        stmt = select(Paper.id).where(Paper.id.in_(ids)).order_by(*order)
    else:
        votes = upvote_count()
        stmt = select(Paper.id).where(Paper.id.in_(ids)).order_by(votes.desc(), Paper.id.desc())
    return list(session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class SimilarPaper:
    card: PaperCard
    similarity: float


def similar_papers(session: Session, *, paper_id: int, limit: int = 10) -> list[SimilarPaper]:
    """The paper's nearest neighbours by its stored vector, itself excluded; [] without one."""
    stored = session.execute(
        select(Embedding.model, Embedding.vector).where(Embedding.paper_id == paper_id)
    ).first()
    if stored is None:
        return []
    model, vector = stored
    backend = backend_for(session)
    found = backend.vectors.search(session, vector=vector, model=model, limit=limit + 6)
    similarity = {n.paper_id: n.similarity for n in found if n.paper_id != paper_id}
    ids = _visible(session, list(similarity), [Paper.hidden.is_(False)])[:limit]
    return [
        SimilarPaper(card, similarity[pid])
        for pid, card in zip(ids, cards_by_id(session, ids), strict=True)
    ]
