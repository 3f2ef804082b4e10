"""The fusion of hybrid search, on hand-made lists: the arithmetic and what it guarantees."""

from __future__ import annotations

import pytest

from dailypapers.search.fusion import (
    Fusion,
    convex_combination,
    fuse,
    reciprocal_rank_fusion,
    scaled_to_top,
)


def test_rrf_adds_weighted_reciprocal_ranks() -> None:
    fused = reciprocal_rank_fusion([([1, 2, 3], 1.0), ([3, 4], 2.0)], k=10)
    assert list(fused) == [3, 4, 1, 2]
    assert fused[3] == pytest.approx(1 / 13 + 2 / 11)
    assert list(reciprocal_rank_fusion([([1, 2], 1.0), ([2, 1], 0.0)], k=1)) == [1, 2]


def test_scores_are_scaled_to_the_top_one() -> None:
    assert scaled_to_top({1: 8.0, 2: 2.0}) == {1: 1.0, 2: 0.25}
    assert scaled_to_top({1: 0.5, 2: -0.1}) == {1: 1.0, 2: 0.0}  # cosine below 0: nothing
    assert scaled_to_top({1: 0.0}) == {1: 0.0}
    assert scaled_to_top({}) == {}


def test_convex_combination_by_hand() -> None:
    keyword = {1: 10.0, 2: 5.0, 3: 2.0}  # BM25
    semantic = {3: 0.8, 4: 0.4}  # cosine
    # keyword / 10 and cosine / 0.8; lists shorter than asked hold every match: a paper
    # missing from one scores 0 there
    fused = convex_combination(keyword, semantic, alpha=0.6, depth=100)
    assert fused == pytest.approx({3: 0.4 * 0.2 + 0.6 * 1, 1: 0.4, 4: 0.6 * 0.5, 2: 0.4 * 0.5})
    assert list(fused) == [3, 1, 4, 2]
    # a semantic list cut at its depth: a paper it lacks scores what its last one scores
    cut = convex_combination(keyword, semantic, alpha=0.6, depth=2)
    assert cut == pytest.approx({1: 0.4 + 0.3, 3: 0.68, 2: 0.2 + 0.3, 4: 0.3})
    assert list(cut) == [1, 3, 2, 4]


def test_keyword_scores_on_any_scale_fuse_alike() -> None:
    """ts_rank (PostgreSQL's fallback) is on another scale than BM25: divided by the top,
    the same."""
    semantic = {"b": 0.62, "a": 0.55}
    bm25 = fuse({"a": 12.0, "b": 1.5}, semantic, Fusion())
    ts_rank = fuse({"a": 0.096, "b": 0.012}, semantic, Fusion())
    assert list(bm25) == list(ts_rank) == ["a", "b"]
    assert bm25 == pytest.approx(ts_rank)


def test_a_dominant_keyword_match_stays_first_and_a_close_race_goes_to_meaning() -> None:
    semantic = {"b": 0.62, "a": 0.55}  # semantic search puts b first
    assert list(fuse({"a": 12.0, "b": 1.5}, semantic, Fusion())) == ["a", "b"]  # 8x b's BM25
    assert list(fuse({"a": 10.0, "b": 9.0}, semantic, Fusion())) == ["b", "a"]  # nearly tied


def test_papers_with_every_term_come_first() -> None:
    keyword = {"all": 3.0, "some": 9.0}  # "some" holds fewer terms, scores higher
    semantic = {"near": 0.9, "some": 0.8}
    fused = fuse(keyword, semantic, Fusion(), every={"all"})
    assert list(fused) == ["all", "some", "near"]
    assert list(fused.values()) == sorted(fused.values(), reverse=True)  # scores still fall
    without = fuse(keyword, semantic, Fusion(every_first=False), every={"all"})
    assert list(without) == ["some", "near", "all"]


def test_rrf_remains_available() -> None:
    rrf = Fusion(method="rrf", every_first=False)
    fused = fuse({1: 5.0, 2: 4.0, 3: 1.0}, {3: 0.9, 4: 0.8}, rrf)
    assert fused == reciprocal_rank_fusion([([1, 2, 3], 1.0), ([3, 4], 1.0)], k=rrf.k)


def test_one_list_keeps_its_order() -> None:
    """Keyword mode: papers with every term, then with any, however they score."""
    keyword = {1: 4.0, 2: 6.0, 3: 5.0}
    assert list(fuse(keyword, {}, Fusion(), every={1})) == [1, 2, 3]
    assert list(fuse({}, {5: 0.3, 6: 0.2}, Fusion())) == [5, 6]
