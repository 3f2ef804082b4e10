"""The trending order on crafted vote histories, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from dailypapers.community.models import Upvote
from dailypapers.papers.models import Paper
from dailypapers.ranking.trending import (
    TrendingParams,
    trending_papers,
    trending_score,
    trending_scores,
)
from tests.factories import make_paper, make_user

MON = date(2026, 3, 2)
NOW = datetime(2026, 3, 6, 12, tzinfo=UTC)  # Friday noon
WEEK = {"since": MON, "until": MON + timedelta(days=7)}


def vote(session: Session, paper: Paper, count: int, *, at: datetime = NOW) -> None:
    for _ in range(count):
        user = make_user(session)
        session.add(Upvote(user_id=user.id, paper_id=paper.id, created_at=at - timedelta(hours=1)))
    session.flush()


def titles(session: Session, **kwargs: object) -> list[str]:
    arguments: dict[str, object] = {"now": NOW, **WEEK, **kwargs}
    return [item.paper.title for item in trending_papers(session, **arguments)]


def test_on_one_day_more_votes_rank_first_counting_imported_and_user_votes(
    session: Session,
) -> None:
    day = MON + timedelta(days=3)
    a = make_paper(session, title="A", listed_on=day, base_upvotes=3)
    b = make_paper(session, title="B", listed_on=day, base_upvotes=1)
    c = make_paper(session, title="C", listed_on=day)
    vote(session, b, 4)  # 1 + 4 = 5 beats A's 3
    vote(session, c, 2)
    assert titles(session) == ["B", "A", "C"]
    ranked = trending_scores(session, now=NOW, **WEEK)
    assert [(s.paper_id, s.upvotes) for s in ranked] == [(b.id, 5), (a.id, 3), (c.id, 2)]


def test_age_decays_votes_so_a_fresh_paper_overtakes_an_older_one(session: Session) -> None:
    old = make_paper(session, title="Old", listed_on=MON, base_upvotes=20)  # 108 h old
    new = make_paper(session, title="New", listed_on=MON + timedelta(days=4))  # 12 h old
    vote(session, new, 4)
    # 20 / 110^1.5 = 0.0173 < 4 / 14^1.5 = 0.0764
    assert titles(session) == ["New", "Old"]
    # with no gravity, votes alone decide
    assert titles(session, params=TrendingParams(gravity=0)) == ["Old", "New"]
    # the old paper needs five times the votes to come back on top
    vote(session, old, 80)  # 100 / 110^1.5 = 0.0867 > 0.0764
    assert titles(session) == ["Old", "New"]


def test_the_score_follows_the_documented_formula(session: Session) -> None:
    paper = make_paper(session, title="P", listed_on=MON + timedelta(days=2), base_upvotes=6)
    vote(session, paper, 2)
    make_paper(session, title="Q", listed_on=MON + timedelta(days=2), github_stars=1023)
    params = TrendingParams(gravity=1.2, age_offset_hours=3, stars_weight=0.5)
    scores = {s.paper_id: s.score for s in trending_scores(session, now=NOW, params=params, **WEEK)}
    age = 60.0  # Wednesday 00:00 to Friday 12:00
    assert scores[paper.id] == pytest.approx(8 / (age + 3) ** 1.2)
    q_score = trending_score(votes=0, github_stars=1023, age_hours=age, params=params)
    assert q_score == pytest.approx(0.5 * 10 / (age + 3) ** 1.2)
    assert sorted(scores.values(), reverse=True) == [scores[paper.id], q_score]


def test_stars_break_a_tie_of_votes_and_weigh_like_a_few_votes(session: Session) -> None:
    day = MON + timedelta(days=4)
    make_paper(session, title="Plain", listed_on=day, base_upvotes=5)
    make_paper(session, title="Starred", listed_on=day, base_upvotes=5, github_stars=30)
    make_paper(session, title="Popular", listed_on=day, base_upvotes=12, github_stars=0)
    # 5 + log2(31) = 9.95: above Plain, below Popular's 12 votes
    assert titles(session) == ["Popular", "Starred", "Plain"]
    assert titles(session, params=TrendingParams(stars_weight=0))[0] == "Popular"
    assert titles(session, params=TrendingParams(stars_weight=3))[0] == "Starred"  # 5 + 14.9


def test_votes_after_now_do_not_count(session: Session) -> None:
    day = MON + timedelta(days=4)
    make_paper(session, title="Early", listed_on=day, base_upvotes=2)
    late = make_paper(session, title="Late", listed_on=day)
    vote(session, late, 5, at=NOW + timedelta(days=1))
    assert titles(session) == ["Early", "Late"]
    assert titles(session, now=NOW + timedelta(days=2)) == ["Late", "Early"]


def test_the_window_hidden_papers_and_paging(session: Session) -> None:
    make_paper(session, title="Before", listed_on=MON - timedelta(days=1), base_upvotes=99)
    make_paper(session, title="After", listed_on=MON + timedelta(days=7), base_upvotes=99)
    make_paper(session, title="Hidden", listed_on=MON, base_upvotes=99).hidden = True
    for n in range(5):
        make_paper(session, title=f"In {n}", listed_on=MON + timedelta(days=1), base_upvotes=n)
    session.flush()
    assert titles(session) == ["In 4", "In 3", "In 2", "In 1", "In 0"]
    assert titles(session, limit=2, offset=1) == ["In 3", "In 2"]
    assert titles(session, offset=10) == []
    assert "Before" in titles(session, since=MON - timedelta(days=1))


def test_a_paper_listed_again_keeps_the_age_of_its_first_listing(session: Session) -> None:
    relisted = make_paper(session, title="Relisted", listed_on=MON - timedelta(days=20))
    make_paper(session, title="Relisted", arxiv_id=relisted.arxiv_id, listed_on=MON + timedelta(4))
    make_paper(session, title="Fresh", listed_on=MON + timedelta(days=4), base_upvotes=1)
    vote(session, relisted, 10)
    ranked = trending_papers(session, now=NOW, **WEEK)
    assert [item.paper.title for item in ranked] == ["Fresh", "Relisted"]
    assert ranked[1].first_listed == MON - timedelta(days=20)
