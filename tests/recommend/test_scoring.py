"""The ranking math on plain arrays (the same function the benchmark imports)."""

from __future__ import annotations

import numpy as np
import pytest

from dailypapers.recommend.scoring import ScoringParams, decay_weights, score_candidates
from tests.recommend.helpers import direction


def test_decay_halves_at_the_half_life() -> None:
    weights = decay_weights(np.array([0.0, 90.0, 180.0, -5.0]), 90.0)
    assert weights == pytest.approx([1.0, 0.5, 0.25, 1.0])
    assert decay_weights(np.array([400.0]), 0.0) == pytest.approx([1.0])  # 0 = no decay


@pytest.mark.parametrize("classifier_weight", [0.0, 0.7, 1.0])
def test_candidates_near_the_profile_rank_first_and_name_their_neighbour(
    classifier_weight: float,
) -> None:
    profile = np.stack([direction(1, 0.1), direction(0.1, 1)])
    candidates = np.stack([direction(0, 0, 1), direction(0.1, 1, 0.2), direction(1, 0, 0.2)])
    rng = np.random.default_rng(1)
    negatives = rng.normal(size=(50, 8)).astype(np.float32)
    negatives /= np.linalg.norm(negatives, axis=1, keepdims=True)
    scored = score_candidates(
        profile,
        np.ones(2),
        candidates,
        negatives=negatives,
        params=ScoringParams(classifier_weight=classifier_weight),
    )
    assert int(np.argmin(scored.scores)) == 0  # the unrelated one is last
    assert list(scored.because[1:]) == [1, 0]  # each named after its nearest profile paper
    assert scored.similarity[2] == pytest.approx(float(candidates[2] @ profile[0]), abs=1e-6)


def test_recent_interests_weigh_more_than_old_ones() -> None:
    profile = np.stack([direction(1), direction(0, 1)])
    candidates = np.stack([direction(1, 0, 0.3), direction(0, 1, 0.3)])
    params = ScoringParams(classifier_weight=0.0)
    fresh_first = score_candidates(profile, np.array([1.0, 0.1]), candidates, params=params)
    fresh_second = score_candidates(profile, np.array([0.1, 1.0]), candidates, params=params)
    assert fresh_first.scores[0] > fresh_first.scores[1]
    assert fresh_second.scores[1] > fresh_second.scores[0]


def test_no_candidates_gives_empty_arrays() -> None:
    scored = score_candidates(np.stack([direction(1)] * 3), np.ones(3), np.zeros((0, 8)))
    assert scored.scores.shape == (0,) and scored.because.shape == (0,)
