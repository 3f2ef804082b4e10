"""Read the versions an answer depends on: one or two primary-key lookups, for every request.

An answer names the votes it shows with a `VoteScope` (all votes by default, those of a
paper, of a range of listing days, of the latest listed days, or none); its `Stamp` is the
site version with the sum of the matching vote counters. Every counter only grows, so the
stamp moves whenever a change the answer shows was committed, and never otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, Row, and_, false, func, select
from sqlalchemy.orm import Session

from dailypapers.changes.models import SiteVersion, VoteVersion
from dailypapers.papers.models import DailyEntry
from dailypapers.papers.periods import Period

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Version:
    number: int
    changed_at: datetime


@dataclass(frozen=True, slots=True, order=True)
class Stamp:
    """The site version and the sum of the vote versions an answer depends on."""

    site: int
    votes: int
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class VoteScope:
    """Which votes an answer shows (a vote on a paper listed on several days moves each day).

    `first`..`last`: votes on papers listed on those days; `latest`: on the latest `latest`
    listed days (resolved when read; a new listed day moves the site version anyway);
    `shown`: on the papers the answer shows, named when it is rendered (`read_shown`), for
    answers whose choice and order of papers no vote changes (a search by relevance).
    """

    all: bool = False
    shown: bool = False
    paper: str | None = None
    first: date | None = None
    last: date | None = None
    latest: int = 0


ALL_VOTES = VoteScope(all=True)  # the safe default: any vote makes the answer stale
NO_VOTES = VoteScope()
SHOWN_VOTES = VoteScope(shown=True)


def paper_votes(key: str) -> VoteScope:
    return VoteScope(paper=key)


def period_votes(period: Period | None) -> VoteScope:
    """The votes a list of `period` shows (None: the latest listed day, as lists read it)."""
    return latest_votes(1) if period is None else VoteScope(first=period.start, last=period.end)


def latest_votes(days: int) -> VoteScope:
    """The votes on papers listed on the latest `days` days ending on the latest listed day."""
    return VoteScope(latest=days)


_QUERY = select(SiteVersion.version, SiteVersion.changed_at).where(SiteVersion.id == 1)


def current_version(session: Session) -> Version:
    """The committed site version as this session sees it (0 before anything was written)."""
    return _version(session.execute(_QUERY).first())


def current_stamp(session: Session, scope: VoteScope) -> Stamp:
    """The stamp of an answer showing `scope`'s votes, as this session sees it."""
    return _stamp(session.connection(), scope)


def read_stamp(engine: Engine, scope: VoteScope) -> Stamp:
    """The same on a connection of its own: lighter than a session, for every request."""
    with engine.connect() as conn:
        return _stamp(conn, scope)


def read_shown(engine: Engine, keys: Sequence[str]) -> tuple[int, Stamp]:
    """The all-votes counter and the stamp of an answer showing the papers `keys`.

    Read after rendering: when the all-votes counter has not moved since before, no vote
    was committed in between, so the stamp is the one the answer was rendered at.
    """
    scopes = [f"paper:{key}" for key in keys]
    with engine.connect() as conn:
        everything = _stamp(conn, ALL_VOTES)
        if not scopes:
            return everything.votes, Stamp(everything.site, 0, everything.changed_at)
        shown = _stamp(conn, NO_VOTES, VoteVersion.scope.in_(scopes))
    return everything.votes, shown


def _stamp(conn: Connection, scope: VoteScope, where: ColumnElement[bool] | None = None) -> Stamp:
    """One statement (two for the latest days, whose last day is read first): the site
    version and the votes `where` (or `scope`) names, as scalar subqueries."""
    where = _condition(conn, scope) if where is None else where
    votes = false() if where is None else where  # None: the answer shows no votes
    site = SiteVersion.id == 1
    version, site_changed, total, changed = conn.execute(
        select(
            select(SiteVersion.version).where(site).scalar_subquery(),
            select(SiteVersion.changed_at).where(site).scalar_subquery(),
            select(func.coalesce(func.sum(VoteVersion.version), 0)).where(votes).scalar_subquery(),
            select(func.max(VoteVersion.changed_at)).where(votes).scalar_subquery(),
        )
    ).one()
    number, when = (0, _EPOCH) if version is None else (int(version), _aware(site_changed))
    newest = max(when, _aware(changed)) if changed is not None else when
    return Stamp(number, int(total or 0), newest)


def _condition(conn: Connection, scope: VoteScope) -> ColumnElement[bool] | None:
    if scope.all or scope.shown:  # shown: only web/cache.py's async answers read it so
        return VoteVersion.scope == "votes"
    if scope.paper is not None:
        return VoteVersion.scope == f"paper:{scope.paper}"
    first, last = scope.first, scope.last
    if scope.latest:
        last = conn.execute(select(func.max(DailyEntry.day))).scalar()
        if last is None:
            return false()
        first = last - timedelta(days=scope.latest - 1)
    if first is None or last is None:
        return None
    return and_(  # 'day:YYYY-MM-DD' sorts as its date does
        VoteVersion.scope >= f"day:{first.isoformat()}",
        VoteVersion.scope <= f"day:{last.isoformat()}",
    )


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _version(row: Row[int, datetime] | None) -> Version:
    if row is None:
        return Version(0, _EPOCH)
    return Version(int(row[0]), row[1])
