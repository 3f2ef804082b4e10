"""How hybrid search fuses its keyword and semantic lists.

The default is a convex combination of scores normalized by their list's top score
(Bruch et al. 2022, "An Analysis of Fusion Functions for Hybrid Retrieval": scores scaled
between a theoretical floor, 0, and the best score seen), with the papers that hold every
query term ranked first, as keyword search ranks them. Reciprocal rank fusion, the former
default, remains for the digests and for comparison. The settings were chosen with
`benchmarks/tune_fusion.py` on CACM, Cranfield and the 75k set (see README, *Search*).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Literal, TypeVar

Key = TypeVar("Key", bound=Hashable)  # paper ids in search, collection ids in evaluation


@dataclass(frozen=True, slots=True)
class Fusion:
    """`method="convex"`: score(d) = (1 - alpha) * keyword(d) / top keyword score
    + alpha * max(cosine(d), 0) / top cosine. A paper missing from the keyword list scores
    0 there; missing from a semantic list cut at its depth, it scores what the list's last
    paper scores (its own cosine is below, and cosines fall slowly down a list); missing
    from a shorter one (it has no vector), 0.
    `method="rrf"`: score(d) = sum over lists of weight / (k + rank of d in that list).
    With `every_first`, the keyword list's papers holding every term and phrase come first
    (fused among themselves), then the others. `candidates` is how deep each list is read
    (deeper when a page needs it).

    Keyword scores are tantivy's BM25 on both backends, FTS5's BM25 or PostgreSQL's
    `ts_rank` when tantivy cannot answer: all are 0 or more, and dividing by the top score
    puts any of them on the same 0-to-1 scale.
    """

    k: float = 40.0  # rrf
    keyword_weight: float = 1.0  # rrf
    semantic_weight: float = 1.0  # rrf
    candidates: int = 100
    method: Literal["convex", "rrf"] = "convex"
    alpha: float = 0.65  # convex: the semantic share
    every_first: bool = True


def reciprocal_rank_fusion(
    lists: Sequence[tuple[Sequence[Key], float]], *, k: float = 60.0
) -> dict[Key, float]:
    """Fused scores, best first (a dict keeps that order); ties keep first-seen order."""
    scores: dict[Key, float] = {}
    for ids, weight in lists:
        if weight == 0:
            continue
        for rank, doc in enumerate(ids, start=1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return dict(sorted(scores.items(), key=lambda item: -item[1]))


def scaled_to_top(scores: Mapping[Key, float]) -> dict[Key, float]:
    """Scores over the list's top score, below-zero ones as 0: the best is 1 (all 0 when
    no score is above 0)."""
    top = max(scores.values(), default=0.0)
    if top <= 0:
        return dict.fromkeys(scores, 0.0)
    return {doc: max(score, 0.0) / top for doc, score in scores.items()}


def convex_combination(
    keyword: Mapping[Key, float], semantic: Mapping[Key, float], *, alpha: float, depth: int
) -> dict[Key, float]:
    """(1 - alpha) * keyword + alpha * semantic, each scaled to its top; a semantic list
    `depth` long (cut there) lends its last score to the papers it lacks, the keyword list
    lends nothing. Best first, ties in first-seen order (keyword's, then semantic's)."""
    kw, sem = scaled_to_top(keyword), scaled_to_top(semantic)
    missing = min(sem.values()) if len(sem) >= depth else 0.0
    scores = {
        doc: (1 - alpha) * kw.get(doc, 0.0) + alpha * sem.get(doc, missing)
        for doc in (*keyword, *semantic)
    }
    return dict(sorted(scores.items(), key=lambda item: -item[1]))


def fuse(
    keyword: Mapping[Key, float],
    semantic: Mapping[Key, float],
    fusion: Fusion,
    *,
    every: AbstractSet[Key] = frozenset(),
    depth: int | None = None,
) -> dict[Key, float]:
    """The two lists (id -> raw score, best first) fused: id -> fused score, best first.
    `every`: the keyword list's papers that hold every term and phrase of the query; with
    `every_first` they score the best fused score more, which puts them first. `depth`:
    how deep the lists were asked for (`fusion.candidates` unless a page needed more)."""
    if fusion.method == "rrf":
        fused = reciprocal_rank_fusion(
            [(list(keyword), fusion.keyword_weight), (list(semantic), fusion.semantic_weight)],
            k=fusion.k,
        )
    else:
        depth = depth or fusion.candidates
        fused = convex_combination(keyword, semantic, alpha=fusion.alpha, depth=depth)
    if not fusion.every_first or not every:
        return fused
    bonus = max(fused.values())
    first = {doc: score + bonus for doc, score in fused.items() if doc in every}
    return first | {doc: score for doc, score in fused.items() if doc not in every}
