"""The full-text index follows every writer (ORM, Core, raw SQL) and never chokes on a query."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from dailypapers.papers.models import Author, Paper, PaperAuthor
from dailypapers.search.backends import backend_for
from dailypapers.search.text import parse_query
from tests.factories import make_paper


@pytest.fixture
def session(committing_session: Session) -> Session:
    return committing_session


def _find(session: Session, query: str) -> list[int]:
    """Committed first: the tantivy index answers (it holds committed changes)."""
    session.commit()
    fulltext = backend_for(session).fulltext
    assert fulltext.keyword.ready_for(session) is not None  # type: ignore[attr-defined]
    return fulltext.search(session, query=parse_query(query), limit=50)


def _find_uncommitted(session: Session, query: str) -> list[int]:
    session.flush()
    return backend_for(session).fulltext.search(session, query=parse_query(query), limit=50)


def test_a_transaction_sees_its_own_changes(session: Session) -> None:
    """Uncommitted writes are found too (SQLite: FTS5 answers for that transaction)."""
    paper = make_paper(session, title="Tardigrade survival", abstract="Dry states.")
    assert _find(session, "tardigrade") == [paper.id]
    keyword = backend_for(session).fulltext.keyword  # type: ignore[attr-defined]
    assert keyword.ready_for(session) is not None  # it answers committed state
    paper.title = "Rotifer survival"
    assert _find_uncommitted(session, "rotifer") == [paper.id]
    assert keyword.ready_for(session) is None  # not this transaction's own writes
    assert _find_uncommitted(session, "tardigrade") == []
    session.rollback()
    assert _find(session, "tardigrade") == [paper.id]


def test_orm_insert_update_delete_are_indexed(session: Session) -> None:
    paper = make_paper(session, title="Quokka detection in drone footage", abstract="Marsupials.")
    assert _find(session, "quokka") == [paper.id]
    assert _find(session, "marsupials") == [paper.id]  # the abstract too
    paper.title = "Wombat detection in drone footage"
    assert _find(session, "quokka") == []
    assert _find(session, "wombat") == [paper.id]
    session.delete(paper)
    assert _find(session, "wombat") == []


def test_core_bulk_insert_and_raw_updates_are_indexed(session: Session) -> None:
    """The bulk importer writes with Core; triggers keep the index in step."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    common = {"categories": [], "base_upvotes": 0, "hidden": False, "featured": False}
    session.execute(
        insert(Paper),
        [
            {"key": f"bulk-{i}", "title": f"Axolotl study {i}", "abstract": "Regeneration.",
             "created_at": now, "modified_at": now, **common}
            for i in range(3)
        ],
    )  # fmt: skip
    ids = list(session.scalars(select(Paper.id).where(Paper.key.like("bulk-%"))))
    assert sorted(_find(session, "axolotl")) == sorted(ids)
    session.execute(insert(Author).values(id=9001, name="Ximena Quetzalcoatl"))
    session.execute(insert(PaperAuthor).values(paper_id=ids[0], position=0, author_id=9001))
    assert _find(session, "quetzalcoatl") == [ids[0]]  # authors are searchable
    session.execute(update(Author).where(Author.id == 9001).values(name="Ximena Tlaloc"))
    assert _find(session, "quetzalcoatl") == []
    assert _find(session, "tlaloc") == [ids[0]]
    session.execute(delete(PaperAuthor).where(PaperAuthor.paper_id == ids[0]))
    assert _find(session, "tlaloc") == []
    session.execute(update(Paper).where(Paper.id == ids[1]).values(abstract="Limb growth."))
    assert _find(session, "limb") == [ids[1]]
    session.execute(delete(Paper).where(Paper.id == ids[2]))
    assert sorted(_find(session, "axolotl")) == sorted(ids[:2])


def test_title_outweighs_abstract(session: Session) -> None:
    in_abstract = make_paper(session, title="A study", abstract="Capybara behaviour, at length.")
    in_title = make_paper(session, title="Capybara behaviour", abstract="A study, at length.")
    assert _find(session, "capybara") == [in_title.id, in_abstract.id]


def test_stemming_and_all_terms_first(session: Session) -> None:
    both = make_paper(session, title="Pangolin scales", abstract="Armour of pangolins.")
    one = make_paper(session, title="Pangolin habitats", abstract="Forests.")
    assert _find(session, "pangolins scale") == [both.id, one.id]


def test_matches_carry_scores_and_whether_they_hold_every_term(session: Session) -> None:
    """What hybrid search fuses, from whichever index answers (tantivy when it holds the
    session's changes, else FTS5 or the tsvector)."""
    both = make_paper(session, title="Pangolin scales", abstract="Armour of pangolins.")
    one = make_paper(session, title="Pangolin habitats", abstract="Forests.")
    fulltext, query = backend_for(session).fulltext, parse_query("pangolins scale")
    session.commit()
    committed = fulltext.scored(session, query=query, limit=10)
    make_paper(session, title="Aardvark burrows", abstract="Termites.")
    session.flush()  # a change not committed yet: FTS5 or ts_rank answers
    pending = fulltext.scored(session, query=query, limit=10)
    for found in (committed, pending):
        assert [(s.paper_id, s.every) for s in found] == [(both.id, True), (one.id, False)]
        assert found[0].score > found[1].score > 0  # BM25 or ts_rank, higher is better
    assert fulltext.search(session, query=query, limit=10) == [both.id, one.id]


NASTY = [
    '"', '""', '"unterminated', "*", "foo*", "NEAR(a b)", "NEAR", "title:", "title:foo",
    "-", "-foo", "(", ")", "((a)", "a AND", "OR", "AND OR NOT", "^foo", "{title}: x",
    "'; DROP TABLE papers; --", "a & b | !c", "<->", "foo:*", "\\", "%", "_", "\x00", "😀",
    "  ", "a" * 5000, "x:1 y:2 z:3", "!!!", "'", "``", "+foo", "~foo",
]  # fmt: skip


def test_nasty_queries_never_error(session: Session) -> None:
    paper = make_paper(session, title="Title foo NEAR and near", abstract="x y z a b c")
    for query in NASTY:
        found = _find(session, query)
        assert all(isinstance(i, int) for i in found), query
        if parse_query(query).terms == ("foo",):
            assert found == [paper.id], query
        marked = backend_for(session).fulltext.highlight(
            session, query=parse_query(query), paper_ids=[paper.id]
        )
        assert set(marked) <= {paper.id}


def test_highlight_marks_matches_and_keeps_text(session: Session) -> None:
    paper = make_paper(
        session, title="Okapi <b>giraffids</b> of the Congo", abstract="The okapi hides."
    )
    session.flush()
    marked = backend_for(session).fulltext.highlight(
        session, query=parse_query("okapi"), paper_ids=[paper.id]
    )[paper.id]
    assert "".join(s.text for s in marked.title) == paper.title
    assert [s.text.casefold() for s in marked.title if s.highlight] == ["okapi"]
    assert [s.text for s in marked.abstract if s.highlight] == ["okapi"]


def test_statistics_bound_long_or_queries(session: Session) -> None:
    """With counted statistics the plan keeps rare terms; it still finds the paper."""
    from dailypapers.search import fulltext

    paper = make_paper(session, title="Narwhal tusks", abstract="Sensory organs of whales.")
    backend = backend_for(session)
    session.flush()
    backend.fulltext.refresh_statistics(session)
    stemmer = backend.fulltext.stemmer  # type: ignore[attr-defined]
    plan = fulltext.plan(session, ["narwhal", "sensory", "quasar"], stemmer)
    assert plan.any_terms == ("narwhal", "sensory", "quasar")  # a small collection: exact
    assert _find(session, "narwhal quasar") == [paper.id]


def test_keyword_index_is_shared_by_processes(session: Session) -> None:
    """Two processes' views of one index folder: a writer replays, the other reopens; a
    rebuild swaps in a new generation that both then read."""
    from dailypapers.search.keyword_index import KeywordIndex

    first = backend_for(session).fulltext.keyword  # type: ignore[attr-defined]
    assert first is not None
    other = KeywordIndex(first.folder, first.changes)  # another process: its own state
    paper = make_paper(session, title="Kakapo nesting", abstract="Parrots.")
    assert _find(session, "kakapo") == [paper.id]
    assert other.ready_for(session) is not None
    make_paper(session, title="Kea nesting", abstract="Parrots of the alps.")
    session.commit()
    engine = session.get_bind()
    assert other.catch_up(engine) == 1  # type: ignore[arg-type]
    index = first.ready_for(session)  # reloads what the other one wrote
    assert index is not None
    assert len(first.ranked(index, parse_query("nesting"), 10)) == 2
    generation = first.current()[1].generation  # type: ignore[index]
    assert other.rebuild(engine) == 2  # type: ignore[arg-type]
    index = first.ready_for(session)
    assert first.current()[1].generation != generation  # type: ignore[index]
    assert index is not None and len(first.ranked(index, parse_query("parrots"), 10)) == 2
