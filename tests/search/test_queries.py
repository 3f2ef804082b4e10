"""Queries people type: identifiers, quoted phrases, organizations, honest counts and modes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from dailypapers.papers.models import Organization
from dailypapers.search.embedder import Embedder
from dailypapers.search.identifiers import identifier_in
from dailypapers.search.service import SearchFilters, search_papers
from tests.factories import make_paper

Source = Callable[[], Embedder]
FORMS = [
    "2509.14476", "2509.14476v2", "arXiv:2509.14476", " arxiv:2509.14476v1 ",
    "https://arxiv.org/abs/2509.14476", "https://arxiv.org/abs/2509.14476v3",
    "http://arxiv.org/pdf/2509.14476v1.pdf", "arxiv.org/pdf/2509.14476",
    "https://huggingface.co/papers/2509.14476", "https://doi.org/10.48550/arXiv.2509.14476",
    "10.48550/arXiv.2509.14476",
]  # fmt: skip


@pytest.fixture
def session(committing_session: Session) -> Session:
    return committing_session


def test_identifier_forms() -> None:
    for form in FORMS:
        found = identifier_in(form)
        assert found is not None and (found.kind, found.value) == ("arxiv", "2509.14476"), form
    doi = identifier_in("https://doi.org/10.1145/3580305.3599876")
    assert doi is not None and (doi.kind, doi.value) == ("doi", "10.1145/3580305.3599876")
    assert identifier_in("hep-th/9901001v2").value == "hep-th/9901001"  # type: ignore[union-attr]
    for words in ("attention is all you need", "2509", "14476 2509", "10.5 grams", ""):
        assert identifier_in(words) is None, words


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_an_identifier_puts_its_paper_first(
    session: Session, mode: str, embedder_source: Source
) -> None:
    wanted = make_paper(session, arxiv_id="2509.14476", title="Sparse mixtures", abstract="x.")
    by_doi = make_paper(session, title="Graph pooling", doi="10.1145/3580305.3599876")
    for n in range(5):  # papers whose text holds the id's digits
        make_paper(session, title=f"Results 2509 and 14476 number {n}", abstract="2509 14476")
    session.flush()
    for form in [*FORMS, "https://doi.org/10.1145/3580305.3599876"]:
        results = search_papers(session, query=form, mode=mode, embedder=embedder_source)  # type: ignore[arg-type]
        first = results.hits[0].paper_id
        assert first == (by_doi.id if "3599876" in form else wanted.id), form
        assert results.total >= 1


def test_quoted_phrases_match_as_phrases(session: Session) -> None:
    phrase = make_paper(session, title="Neural machine translation at scale", abstract="x.")
    apart = make_paper(session, title="Machine learning for neural translation", abstract="y.")
    session.commit()  # SQLite: the tantivy index answers for committed papers
    for query in ('"neural machine"', '"neural machine translation" scale'):
        results = search_papers(session, query=query, mode="keyword")
        assert results.hits[0].paper_id == phrase.id and results.total == 1, query
    loose = search_papers(session, query="neural machine", mode="keyword")
    assert {h.paper_id for h in loose.hits} == {phrase.id, apart.id} and loose.total == 2
    stray = search_papers(session, query='"neural machine', mode="keyword")  # unpaired quote
    assert {h.paper_id for h in stray.hits} == {phrase.id, apart.id}
    session.commit()


def test_organization_by_handle_or_display_name_in_any_case(session: Session) -> None:
    paper = make_paper(session, title="Protein folding", organization="deepmind")
    make_paper(session, title="Protein design", organization="openai")
    session.execute(
        update(Organization)
        .where(Organization.name == "deepmind")
        .values(full_name="Google DeepMind")
    )
    for org in ("deepmind", "DeepMind", "DEEPMIND", "google deepmind", " Google DeepMind "):
        results = search_papers(
            session, query="protein", mode="keyword", filters=SearchFilters(organization=org)
        )
        assert [h.paper_id for h in results.hits] == [paper.id], org
    none = search_papers(
        session, query="protein", mode="keyword", filters=SearchFilters(organization="Google")
    )
    assert none.hits == []


def test_total_counts_every_match_not_the_page(session: Session) -> None:
    for n in range(130):
        make_paper(session, title=f"Zebra stripes study {n}", abstract="Patterns.")
    make_paper(session, title="Zebra crossings", abstract="Roads.")  # only one of the words
    for commit in (False, True):  # FTS5 inside the transaction, tantivy after the commit
        if commit:
            session.commit()
        results = search_papers(session, query="zebra stripes", mode="keyword", limit=10)
        assert (results.total, results.total_exact, len(results.hits)) == (130, True, 10)
        assert results.candidates == 100 and results.has_next
        assert results.as_dict()["totalExact"] is True
    session.commit()


def test_mode_says_keyword_when_no_paper_has_a_vector(
    session: Session, embedder_source: Source
) -> None:
    make_paper(session, title="Okapi habitats", abstract="Forests of the Congo.")
    session.flush()
    results = search_papers(session, query="okapi", mode="hybrid", embedder=embedder_source)
    assert results.mode == "keyword" and results.requested_mode == "hybrid"
    assert results.notice and "embedded" in results.notice
    assert [h.card.title for h in results.hits] == ["Okapi habitats"]
