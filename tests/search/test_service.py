"""search_papers and similar_papers: modes, fusion, filters, sorts, pages, highlights."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from dailypapers.papers.models import Paper
from dailypapers.search.embedder import Embedder, EmbedderUnavailable
from dailypapers.search.highlight import segments_html
from dailypapers.search.service import SearchFilters, search_papers, similar_papers
from tests.factories import make_paper

Source = Callable[[], Embedder]


def _keys(results: object) -> list[str]:
    return [h.card.key for h in results.hits]  # type: ignore[attr-defined]


def test_semantic_finds_meaning_without_shared_words(
    session: Session, corpus: dict[str, Paper], embedder_source: Source
) -> None:
    query = "how do amino acid chains fold"
    semantic = search_papers(session, query=query, mode="semantic", embedder=embedder_source)
    assert semantic.hits[0].card.key == corpus["proteins"].key
    keyword = search_papers(session, query="folding of polypeptides", mode="keyword")
    assert keyword.hits == []


def test_hybrid_fuses_both_lists(
    session: Session, corpus: dict[str, Paper], embedder_source: Source
) -> None:
    results = search_papers(
        session, query="robot arm", mode="hybrid", embedder=embedder_source, limit=6
    )
    top = results.hits[0]
    assert top.card.key == corpus["robots"].key
    assert top.keyword_rank == 1 and top.semantic_rank == 1
    assert any(h.keyword_rank is None for h in results.hits)  # semantic-only hits are there
    assert results.mode == "hybrid" and results.notice is None
    assert top.every_term and top.keyword_score and top.semantic_score
    # first in both lists: (1 - alpha) * 1 + alpha * 1, and 1 more for holding every term
    assert top.score == pytest.approx(2.0)
    scores = [h.score for h in results.hits]
    assert scores == sorted(scores, reverse=True)


def test_hybrid_keeps_a_paper_with_every_term_above_a_nearer_one(
    session: Session, corpus: dict[str, Paper], embedder: Embedder, embedder_source: Source
) -> None:
    """Semantic search prefers a paper lacking a query word; hybrid keeps the paper that
    holds them all first, as keyword search does (the 75k set depends on it: README)."""
    from dailypapers.search.indexing import embed_papers

    nearer = make_paper(
        session,
        title="Self-driving car perception",
        abstract="Cameras on a car detect pedestrians and cyclists.",
    )
    embed_papers(session, embedder=embedder, paper_ids=[nearer.id])
    query, holds_all = "road car pedestrian", corpus["segmentation"].key

    def ranked(mode: str) -> list[tuple[str, bool]]:
        found = search_papers(session, query=query, mode=mode, embedder=embedder_source)  # type: ignore[arg-type]
        return [(h.card.key, h.every_term) for h in found.hits[:2]]

    assert ranked("semantic")[0] == (nearer.key, False)
    assert ranked("keyword") == [(holds_all, True), (nearer.key, False)]
    assert ranked("hybrid") == [(holds_all, True), (nearer.key, False)]


def test_falls_back_to_keywords_when_the_embedder_is_unavailable(
    session: Session, corpus: dict[str, Paper], caplog: pytest.LogCaptureFixture
) -> None:
    def unavailable() -> Embedder:
        raise EmbedderUnavailable("model files missing from /srv/models")

    results = search_papers(session, query="speech", mode="hybrid", embedder=unavailable)
    assert (results.mode, results.requested_mode) == ("keyword", "hybrid")
    # a plain notice for the reader; the technical reason (paths...) only in the log
    assert results.notice == "Semantic search is unavailable right now; showing keyword results."
    assert "model files missing from /srv/models" in caplog.text
    assert _keys(results) == [corpus["speech"].key]


FILTER_CASES = [
    (SearchFilters(published_from=date(2026, 3, 5)), {"robots", "segmentation"}),
    (SearchFilters(published_to=date(2026, 3, 2)), {"graphs", "proteins"}),
    (SearchFilters(category="q-bio.BM"), {"proteins"}),
    (SearchFilters(category="q-bio"), set()),  # whole categories, not prefixes
    (SearchFilters(category="cs_LG"), set()),  # no LIKE wildcards from the user
    (SearchFilters(category="%"), set()),
    (SearchFilters(organization="deepmind"), {"graphs", "proteins"}),
    (SearchFilters(has_code=True), {"segmentation"}),
    (SearchFilters(has_code=False, published_to=date(2026, 3, 1)), {"graphs"}),
]


def test_filters(session: Session, corpus: dict[str, Paper], embedder_source: Source) -> None:
    for filters, expected in FILTER_CASES:
        for mode in ("semantic", "hybrid"):
            results = search_papers(
                session,
                query="learning",
                mode=mode,
                filters=filters,
                embedder=embedder_source,  # type: ignore[arg-type]
            )
            assert set(_keys(results)) == {corpus[n].key for n in expected}, (filters, mode)
        keyword = search_papers(session, query="the", mode="keyword", filters=filters)
        assert set(_keys(keyword)) <= {corpus[n].key for n in expected}


def test_sorts_and_pages(
    session: Session, corpus: dict[str, Paper], embedder_source: Source
) -> None:
    newest = search_papers(
        session, query="models", mode="semantic", sort="newest", embedder=embedder_source
    )
    dates = [h.card.published_at for h in newest.hits]
    assert dates == sorted(dates, reverse=True) and len(dates) == 6
    votes = search_papers(
        session, query="models", mode="semantic", sort="upvotes", embedder=embedder_source
    )
    assert [h.card.upvotes for h in votes.hits] == [60, 50, 40, 30, 20, 10]
    first = search_papers(
        session, query="models", mode="semantic", limit=4, embedder=embedder_source
    )
    second = search_papers(
        session, query="models", mode="semantic", limit=4, offset=4, embedder=embedder_source
    )
    assert (first.total, len(first.hits), len(second.hits)) == (6, 4, 2)
    assert not set(_keys(first)) & set(_keys(second))


def test_hidden_papers_are_never_found(
    session: Session, corpus: dict[str, Paper], embedder_source: Source
) -> None:
    corpus["speech"].hidden = True
    session.flush()
    for mode in ("keyword", "semantic", "hybrid"):
        results = search_papers(session, query="speech", mode=mode, embedder=embedder_source)  # type: ignore[arg-type]
        assert corpus["speech"].key not in _keys(results)


def test_highlights_are_segments_and_render_escaped(
    session: Session, embedder_source: Source
) -> None:
    make_paper(session, title="Attacks: <script>alert(1)</script> on speech", abstract="Speech!")
    hit = search_papers(session, query="speech", mode="keyword").hits[0]
    assert [s.text for s in hit.title_segments if s.highlight] == ["speech"]
    html = str(segments_html(hit.title_segments))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>speech</mark>" in html
    as_json = hit.as_dict()
    assert as_json["highlightedTitle"][-1] == {"text": "speech", "highlight": True}
    assert as_json["title"] == hit.card.title


def test_empty_and_unknown_inputs(session: Session) -> None:
    assert search_papers(session, query="   ", mode="keyword").hits == []
    with pytest.raises(ValueError, match="mode"):
        search_papers(session, query="x", mode="fuzzy")  # type: ignore[arg-type]


def test_similar_papers_exclude_the_paper_itself(
    session: Session, corpus: dict[str, Paper], embedder: Embedder
) -> None:
    from dailypapers.search.indexing import embed_papers

    twin = make_paper(
        session,
        title="Protein structure prediction from sequences",
        abstract="Deep networks infer how amino acid chains fold in three dimensions.",
    )
    embed_papers(session, embedder=embedder, paper_ids=[twin.id])
    similar = similar_papers(session, paper_id=corpus["proteins"].id, limit=3)
    keys = [s.card.key for s in similar]
    assert corpus["proteins"].key not in keys
    assert keys[0] == twin.key and len(keys) == 3
    assert similar[0].similarity > similar[1].similarity
    assert similar_papers(session, paper_id=make_paper(session).id) == []  # no vector yet
