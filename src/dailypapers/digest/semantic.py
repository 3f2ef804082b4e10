"""Topic queries matched by meaning as well as by words, among one period's papers.

The query is embedded by the search feature's embedder (`DAILYPAPERS_EMBEDDER`, the one
`search_papers` uses) and compared with the period's stored paper embeddings in memory;
that list and the keyword list (`KeywordIndex`, which returns ids only) are fused by
reciprocal rank fusion with `Fusion`'s k and weights (search now fuses scores instead).
Papers below `MIN_SIMILARITY` do not count as semantic matches, so a topic with nothing
relevant in the period matches nothing. Without embeddings for the period, or without an
embedder, matching falls back to keywords alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.digest.matching import KeywordIndex, QueryMatcher
from dailypapers.search.embedder import (
    MODEL_NAME,
    Embedder,
    EmbedderSource,
    EmbedderUnavailable,
)
from dailypapers.search.fusion import Fusion, reciprocal_rank_fusion
from dailypapers.search.models import Embedding

log = logging.getLogger(__name__)

# Cosine of a short query and a paper (title + abstract) with all-MiniLM-L6-v2: on the 75k
# corpus, 0.35 and above is mostly on the topic, below 0.3 mostly not.
MIN_SIMILARITY = 0.35


class HybridQueryMatcher:
    def __init__(
        self,
        keyword: KeywordIndex,
        ids: list[int],
        vectors: np.ndarray,
        embedder: Embedder,
        fusion: Fusion | None = None,
    ) -> None:
        self.keyword = keyword
        self.ids = np.asarray(ids)
        self.vectors = vectors
        self.embedder = embedder
        self.fusion = fusion or Fusion()

    def semantic(self, query: str, limit: int) -> list[int]:
        similarity = self.vectors @ self.embedder.embed_query(query)
        best = np.argsort(-similarity)[:limit]
        return [int(self.ids[i]) for i in best if similarity[i] >= MIN_SIMILARITY]

    def search(self, query: str, limit: int) -> list[int]:
        depth = max(limit, self.fusion.candidates)
        fused = reciprocal_rank_fusion(
            [
                (self.keyword.search(query, depth), self.fusion.keyword_weight),
                (self.semantic(query, depth), self.fusion.semantic_weight),
            ],
            k=self.fusion.k,
        )
        return list(fused)[:limit]


def period_vectors(session: Session, ids: Sequence[int]) -> tuple[list[int], np.ndarray] | None:
    """The stored embeddings of `ids` (those that have one), or None when none has."""
    found: list[int] = []
    rows: list[np.ndarray] = []
    for start in range(0, len(ids), 900):
        chunk = list(ids[start : start + 900])
        query = select(Embedding.paper_id, Embedding.vector).where(
            Embedding.paper_id.in_(chunk), Embedding.model == MODEL_NAME
        )
        for paper_id, vector in session.execute(query):
            found.append(paper_id)
            rows.append(vector)
    return (found, np.vstack(rows)) if rows else None


def query_matcher(
    session: Session, ids: Sequence[int], keyword: KeywordIndex, embedder: EmbedderSource
) -> QueryMatcher:
    """Hybrid when the period's papers have embeddings and the embedder loads, else keywords.
    Nothing is loaded until the first query (a run without topic queries needs no model),
    then in a session of its own: `session` may be closed by then."""
    bind = session.get_bind()
    chosen: list[QueryMatcher] = []

    def match(query: str, limit: int) -> list[int]:
        if not chosen:
            with Session(bind) as own:
                chosen.append(_choose(own, ids, keyword, embedder))
        return chosen[0](query, limit)

    return match


def _choose(
    session: Session, ids: Sequence[int], keyword: KeywordIndex, embedder: EmbedderSource
) -> QueryMatcher:
    stored = period_vectors(session, ids)
    if stored is None:
        return keyword.search
    try:
        loaded = embedder()
    except EmbedderUnavailable as exc:
        log.warning("digest topics matched by keywords only: %s", exc)
        return keyword.search
    return HybridQueryMatcher(keyword, stored[0], stored[1], loaded).search
