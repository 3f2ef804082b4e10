"""for_you on a real database (both backends) with crafted vectors."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from dailypapers.recommend.service import MIN_PAPERS, for_you
from tests.factories import make_user
from tests.recommend.helpers import NOW, corpus, direction, paper_with_vector, upvote


def test_ranks_recent_papers_by_the_readers_papers_and_says_why(session: Session) -> None:
    user = make_user(session)
    papers = corpus(session, user)
    result = for_you(session, user=user, limit=10, window_days=14, now=NOW)
    assert result.explanation is None and result.profile_size == 4
    titles = [r.card.title for r in result.items]
    # the liked topics first; nothing liked, hidden or out of the window appears
    assert titles[:2] == ["New vision paper", "New speech paper"]
    assert set(titles) == {
        "New vision paper",
        "New speech paper",
        "New astronomy paper",
        "New chemistry paper",
    }
    why = {r.card.title: r.because.title for r in result.items}
    assert why["New speech paper"] == "Old speech paper"
    assert why["New vision paper"] in {
        "Old vision paper",
        "Old vision paper 2",
        "Collected vision paper",
    }
    assert result.items[0].why == f"similar to {why['New vision paper']}"
    assert result.items[0].card.key == papers["New vision paper"].key


def test_voted_and_collected_papers_are_skipped(session: Session) -> None:
    user = make_user(session)
    papers = corpus(session, user)
    upvote(session, user, papers["New vision paper"], days_ago=0)
    titles = [r.card.title for r in for_you(session, user=user, now=NOW, window_days=14).items]
    assert "New vision paper" not in titles and "Collected vision paper" not in titles
    assert titles[0] == "New speech paper"


def test_the_window_is_configurable(session: Session) -> None:
    user = make_user(session)
    corpus(session, user)
    short = [r.card.title for r in for_you(session, user=user, now=NOW, window_days=1).items]
    assert set(short) == {"New vision paper", "New astronomy paper"}
    long = [r.card.title for r in for_you(session, user=user, now=NOW, window_days=500).items]
    assert "Vision paper from last year" in long


def test_fewer_than_three_papers_gets_an_explanation(session: Session) -> None:
    user = make_user(session)
    a = paper_with_vector(session, "One", direction(1), days_ago=5)
    b = paper_with_vector(session, "Two", direction(0, 1), days_ago=5)
    paper_with_vector(session, "Three", direction(1, 1), days_ago=1)
    upvote(session, user, a)
    upvote(session, user, b)
    result = for_you(session, user=user, now=NOW)
    assert result.items == [] and result.profile_size == 2
    assert result.explanation is not None and f"at least {MIN_PAPERS}" in result.explanation
    assert "you have 2" in result.explanation


def test_on_an_archive_the_window_ends_at_the_latest_listed_day(session: Session) -> None:
    """A demo or an archive: everything was listed long before today, and published earlier."""
    user = make_user(session)
    listed = date(2026, 1, 10)  # 51 days before NOW: outside a window that ends today
    for i, title in enumerate(["Liked one", "Liked two", "Liked three"]):
        upvote(
            session,
            user,
            paper_with_vector(
                session, title, direction(1, 0.1 * i), days_ago=700, listed_on=listed
            ),
        )
    paper_with_vector(
        session, "Listed vision paper", direction(1, 0.05), days_ago=400, listed_on=listed
    )
    paper_with_vector(session, "Unlisted old paper", direction(1), days_ago=400)
    result = for_you(session, user=user, now=NOW, window_days=14)
    assert result.last_day == listed and result.explanation is None
    assert [r.card.title for r in result.items] == ["Listed vision paper"]
    later = for_you(session, user=user, now=NOW, window_days=14, limit=0)
    assert later.items == [] and later.last_day == listed


def test_an_empty_window_says_what_is_missing(session: Session) -> None:
    user = make_user(session)
    for i in range(3):
        upvote(
            session,
            user,
            paper_with_vector(
                session, f"Mine {i}", direction(1, i), days_ago=2, listed_on=NOW.date()
            ),
        )
    result = for_you(session, user=user, now=NOW, window_days=14)
    assert result.items == [] and result.last_day == NOW.date()
    assert result.explanation == (
        f"No papers listed or published in the 14 days up to {NOW.date()} that you have not "
        "voted on or collected."
    )
