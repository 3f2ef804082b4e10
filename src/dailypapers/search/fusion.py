"""Reciprocal rank fusion of ranked lists."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)  # paper ids in search, collection ids in evaluation


@dataclass(frozen=True, slots=True)
class Fusion:
    """RRF: score(d) = sum over lists of weight / (k + rank of d in that list).

    The defaults were tuned on the CACM and Cranfield collections (see README, *Search*).
    `candidates` is how deep each list is read.
    """

    k: float = 40.0
    keyword_weight: float = 1.0
    semantic_weight: float = 1.0
    candidates: int = 100


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
