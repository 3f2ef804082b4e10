"""The trending score: upvotes (plus a GitHub-stars term) decayed by the paper's age.

    points = base_upvotes + user upvotes cast at or before `now`
             + STARS_WEIGHT * log2(1 + github_stars)
    score  = points / (age_hours + AGE_OFFSET_HOURS) ** GRAVITY

`age_hours` runs from the start (00:00 UTC) of the first day the paper was listed, or from
its publication time when it was never listed, to `now`. The decay uses the age of the
paper, not of each vote: imported `base_upvotes` carry no timestamps, and a paper's votes
should not lift it back above newer papers days later. Votes cast after `now` are ignored,
so a ranking "as of" a past moment (a digest rerun) comes out the same every time.

The candidates are the papers listed in the window `since <= day < until`, a bounded set
(a day is a few hundred papers, a week a few thousand). Their counts come from one SQL query;
the score is computed in Python, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from dailypapers.community.models import Upvote
from dailypapers.db.base import utcnow
from dailypapers.papers.models import DailyEntry, Paper, PaperAuthor
from dailypapers.settings import Settings


@dataclass(frozen=True, slots=True)
class TrendingParams:
    """The formula's knobs; `from_settings` reads the DAILYPAPERS_TRENDING_* settings."""

    gravity: float = 1.5
    age_offset_hours: float = 2.0
    stars_weight: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> TrendingParams:
        return cls(
            gravity=settings.trending_gravity,
            age_offset_hours=settings.trending_age_offset_hours,
            stars_weight=settings.trending_stars_weight,
        )


def trending_score(
    *, votes: int, github_stars: int | None, age_hours: float, params: TrendingParams
) -> float:
    """The score of one paper; see the module's docstring for the formula."""
    points = votes + params.stars_weight * math.log2(1 + max(github_stars or 0, 0))
    return float(points / (max(age_hours, 0.0) + params.age_offset_hours) ** params.gravity)


@dataclass(frozen=True, slots=True)
class TrendingScore:
    paper_id: int
    score: float
    upvotes: int
    first_listed: date | None


@dataclass(frozen=True, slots=True)
class TrendingPaper:
    paper: Paper
    score: float
    upvotes: int
    first_listed: date | None


def trending_scores(
    session: Session,
    *,
    since: date | None,
    until: date | None = None,
    now: datetime | None = None,
    params: TrendingParams | None = None,
) -> list[TrendingScore]:
    """Every visible paper listed in `since <= day < until`, best first."""
    now = now or utcnow()
    params = params or TrendingParams()
    listed = select(DailyEntry.paper_id)
    if since is not None:
        listed = listed.where(DailyEntry.day >= since)
    if until is not None:
        listed = listed.where(DailyEntry.day < until)
    first_listed = (
        select(func.min(DailyEntry.day)).where(DailyEntry.paper_id == Paper.id).scalar_subquery()
    )
    votes = (
        select(func.count())
        .where(Upvote.paper_id == Paper.id, Upvote.created_at <= now)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Paper.id,
            Paper.base_upvotes + votes,
            Paper.github_stars,
            Paper.published_at,
            first_listed,
        ).where(Paper.id.in_(listed), Paper.hidden.is_(False))
    ).all()
    scored = []
    for paper_id, upvotes, stars, published_at, first_day in rows:
        start = _listing_start(first_day) if first_day is not None else published_at or now
        age_hours = (now - start).total_seconds() / 3600
        score = trending_score(
            votes=upvotes, github_stars=stars, age_hours=age_hours, params=params
        )
        newest = published_at.timestamp() if published_at else -math.inf
        scored.append(((-score, -upvotes, -newest, paper_id), first_day))
    scored.sort(key=lambda item: item[0])
    return [
        TrendingScore(paper_id=key[3], score=-key[0], upvotes=-key[1], first_listed=first_day)
        for key, first_day in scored
    ]


def _listing_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def trending_papers(
    session: Session,
    *,
    since: date | None,
    until: date | None = None,
    limit: int = 20,
    offset: int = 0,
    now: datetime | None = None,
    params: TrendingParams | None = None,
) -> list[TrendingPaper]:
    """One page of the papers listed in `since <= day < until`, by trending score."""
    ranked = trending_scores(session, since=since, until=until, now=now, params=params)
    page = ranked[offset : offset + limit]
    papers = load_papers(session, [item.paper_id for item in page])
    return [
        TrendingPaper(papers[item.paper_id], item.score, item.upvotes, item.first_listed)
        for item in page
    ]


def load_papers(session: Session, ids: list[int]) -> dict[int, Paper]:
    """Papers by id with their authors and organization loaded."""
    if not ids:
        return {}
    found = session.scalars(
        select(Paper)
        .where(Paper.id.in_(ids))
        .options(selectinload(Paper.author_links).joinedload(PaperAuthor.author))
    )
    return {paper.id: paper for paper in found}
