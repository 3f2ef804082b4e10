"""The ranking math of "For you", on plain arrays so that the benchmark runs the same code.

A reader's profile is the embeddings of the papers they upvoted or collected (rows are
L2-normalized), each weighted by how recently they acted on it (half-life decay). A
candidate's score blends two signals:

- a linear classifier: ridge regression (closed form, a least-squares SVM) with the
  profile as positives and a random sample of the corpus as negatives, as arxiv-sanity-lite
  does with tf-idf SVMs; it learns what sets the reader apart from the field;
- the time-decayed nearest-neighbour similarity: the weighted mean of the candidate's
  top similarities to the profile papers, which keeps narrow interests alive.

Both are turned into z-scores over the candidates before blending. The "why" of each
candidate is the profile paper it is most similar to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class ScoringParams:
    half_life_days: float = 180.0  # an upvote this old counts half as much as one of today
    classifier_weight: float = 0.7  # 0 = neighbours only, 1 = classifier only
    ridge_lambda: float = 1.0  # regularization of the linear classifier
    negative_weight: float = 1.0  # total weight of the negatives relative to the positives
    neighbours: int = 3  # a candidate's top-k similarities to the profile are averaged


@dataclass(frozen=True, slots=True)
class Scored:
    scores: np.ndarray  # (n,) higher is better
    because: np.ndarray  # (n,) index into the profile of the most similar paper
    similarity: np.ndarray  # (n,) cosine to that paper


def decay_weights(ages_days: np.ndarray, half_life_days: float) -> np.ndarray:
    """0.5 ** (age / half-life); ages below 0 count as 0."""
    ages = np.maximum(np.asarray(ages_days, dtype=np.float64), 0.0)
    if half_life_days <= 0:
        return np.ones_like(ages)
    return np.power(0.5, ages / half_life_days)


def linear_classifier(
    positives: np.ndarray,
    weights: np.ndarray,
    negatives: np.ndarray,
    *,
    ridge_lambda: float,
    negative_weight: float,
) -> np.ndarray:
    """Weights (dim + 1,) of a weighted ridge classifier: +1 for positives, -1 for negatives."""
    pos = np.asarray(positives, dtype=np.float32)
    neg = np.asarray(negatives, dtype=np.float32)
    w_pos = np.asarray(weights, dtype=np.float32)
    w_pos = w_pos / max(w_pos.sum(), 1e-12)
    w_neg = np.full(len(neg), negative_weight / max(len(neg), 1), dtype=np.float32)
    x = np.vstack([pos, neg])
    x = np.hstack([x, np.ones((len(x), 1), dtype=np.float32)])  # bias column
    y = np.concatenate([np.ones(len(pos)), -np.ones(len(neg))]).astype(np.float32)
    w = np.concatenate([w_pos, w_neg])
    xtw = x.T * w
    gram = (xtw @ x).astype(np.float64) + ridge_lambda * 1e-2 * np.eye(x.shape[1])
    solution: np.ndarray = np.linalg.solve(gram, (xtw @ y).astype(np.float64))
    return solution


def _zscore(values: np.ndarray) -> np.ndarray:
    std = float(values.std())
    centered: np.ndarray = values - values.mean()
    return centered / std if std > 1e-12 else centered


def score_candidates(
    profile: np.ndarray,
    weights: np.ndarray,
    candidates: np.ndarray,
    *,
    negatives: np.ndarray | None = None,
    params: ScoringParams | None = None,
) -> Scored:
    """Score `candidates` (n, dim) for a reader whose papers are `profile` (k, dim).

    `weights` (k,) are the recency weights of the profile papers; `negatives` (m, dim) a
    random sample of the corpus for the classifier (no classifier without them).
    """
    params = params or ScoringParams()
    profile = np.asarray(profile, dtype=np.float32)
    candidates = np.asarray(candidates, dtype=np.float32)
    weights = np.asarray(weights, dtype=np.float64)
    if len(candidates) == 0:
        empty = np.zeros(0)
        return Scored(empty, empty.astype(np.int64), empty)
    sims = candidates @ profile.T  # (n, k)
    because = sims.argmax(axis=1)
    best = sims[np.arange(len(candidates)), because]
    k = max(1, min(params.neighbours, profile.shape[0]))
    # weighted similarity: each similarity scaled by its profile paper's recency weight
    weighted = sims * (weights / max(weights.max(), 1e-12))[None, :]
    top = np.sort(weighted, axis=1)[:, -k:]
    neighbour = top.mean(axis=1).astype(np.float64)
    scores = _zscore(neighbour)
    if negatives is not None and len(negatives) and params.classifier_weight > 0:
        coef = linear_classifier(
            profile,
            weights,
            negatives,
            ridge_lambda=params.ridge_lambda,
            negative_weight=params.negative_weight,
        )
        margin = candidates.astype(np.float64) @ coef[:-1] + coef[-1]
        a = params.classifier_weight
        scores = (1 - a) * scores + a * _zscore(margin)
    return Scored(scores, because.astype(np.int64), best.astype(np.float64))
