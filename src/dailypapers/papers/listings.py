"""What the API and the feeds show beyond a card: the paper row and how it came to be listed.

`listings(session, cards=..., period=...)` takes the cards of any list (a period, trending,
search, an organization, an author) and adds, in one query each, the stored paper and its
first daily entry in the period, with the submitter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.periods import Period
from dailypapers.papers.queries import PaperCard, PaperDetail


@dataclass(frozen=True, slots=True)
class Submitter:
    """Who put a paper on a list: one of our users, or a name from an imported list."""

    username: str
    fullname: str | None


@dataclass(frozen=True, slots=True)
class Listing:
    card: PaperCard
    paper: Paper
    listed_on: date | None
    submitted_at: datetime | None  # a user's submission time; midnight UTC for imports
    submitter: Submitter | None


def listings(
    session: Session, *, cards: Sequence[PaperCard], period: Period | None = None
) -> list[Listing]:
    """The cards with their papers and first listing in `period` (or ever), in card order."""
    keys = [card.key for card in cards]
    if not keys:
        return []
    papers = {
        paper.key: paper
        # the authors come with the cards: the API and the feeds read them there
        for paper in session.scalars(select(Paper).where(Paper.key.in_(keys)))
    }
    entries = _first_entries(session, [paper.id for paper in papers.values()], period)
    result = []
    for card in cards:
        paper = papers.get(card.key)
        if paper is None:  # deleted between the two queries
            continue
        entry = entries.get(paper.id)
        result.append(_listing(card, paper, entry))
    return result


def paper_listing_of(session: Session, detail: PaperDetail) -> Listing:
    """One paper's listing from its detail, already loaded (the paper row and its authors):
    only its first daily entry is read."""
    entry = _first_entries(session, [detail.paper.id], None).get(detail.paper.id)
    return _listing(detail.card, detail.paper, entry)


_EntryRow = tuple[DailyEntry, str | None, str | None]


def _first_entries(
    session: Session, paper_ids: list[int], period: Period | None
) -> dict[int, _EntryRow]:
    query = (
        select(DailyEntry, User.username, User.fullname)
        .join(User, User.id == DailyEntry.submitter_id, isouter=True)
        .where(DailyEntry.paper_id.in_(paper_ids))
        .order_by(DailyEntry.day.desc(), DailyEntry.id.desc())
    )
    if period is not None:
        query = query.where(DailyEntry.day.between(period.start, period.end))
    # Ordered newest first, so the last row written per paper is its first listing.
    return {row[0].paper_id: (row[0], row[1], row[2]) for row in session.execute(query)}


def _listing(card: PaperCard, paper: Paper, row: _EntryRow | None) -> Listing:
    if row is None:
        return Listing(card, paper, None, None, None)
    entry, username, fullname = row
    if username is not None:
        submitter: Submitter | None = Submitter(username, fullname)
    elif entry.submitter_name:
        submitter = Submitter(entry.submitter_name, None)
    else:
        submitter = None
    if entry.source == "user":
        submitted_at = entry.submitted_at
    else:
        submitted_at = datetime.combine(entry.day, time(0), tzinfo=UTC)
    return Listing(card, paper, entry.day, submitted_at, submitter)
