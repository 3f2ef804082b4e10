"""Which papers a list holds: a day, an ISO week, a month, the latest day, or trending.

`paper_list` is the one data function of every list: the HTML page (`lists/pages.py`), its
JSON twin (`GET /api/daily_papers`, `lists/api.py`) and its feeds (`lists/feeds.py`) render
its result.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from dailypapers.changes.version import VoteScope, latest_votes, period_votes
from dailypapers.papers.listings import Listing, listings
from dailypapers.papers.periods import Period
from dailypapers.papers.queries import PaperList, Sort, latest_day, period_list
from dailypapers.web.shared import TRENDING_DAYS, TRENDING_TTL, trending_window


@dataclass(frozen=True, slots=True)
class ListOf:
    """Which list: a period (None: the latest listed day), or the trending window."""

    period: Period | None = None
    trending: bool = False

    @property
    def label(self) -> str | None:
        return "trending" if self.trending else (self.period.label if self.period else None)


TRENDING = ListOf(trending=True)


def paper_list(
    session: Session,
    which: ListOf,
    *,
    sort: Sort,
    page: int = 1,
    per_page: int,
    submitter: str | None = None,
) -> PaperList:
    """One page of the list, in `sort` order (the trending list is always by trending)."""
    period = trending_window(latest_day(session)) if which.trending else which.period
    return period_list(
        session,
        period=period,
        sort="trending" if which.trending else sort,
        submitter=submitter,
        page=page,
        per_page=per_page,
    )


def listed(session: Session, found: PaperList) -> list[Listing]:
    """The list's papers with their listing (day, submitter), for the JSON answer and feeds."""
    return listings(session, cards=found.cards, period=found.period)


def list_votes(which: ListOf) -> VoteScope:
    """The votes a list shows: those on papers listed on its days (trending: the window's)."""
    return latest_votes(TRENDING_DAYS) if which.trending else period_votes(which.period)


def ttl(which: ListOf, sort: Sort) -> float | None:
    """How long a cached answer lasts besides its versions: trending ages with the clock."""
    return TRENDING_TTL if which.trending or sort == "trending" else None
