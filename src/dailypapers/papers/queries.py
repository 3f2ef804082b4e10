"""How the catalogue is asked: the daily list and one paper. Pages, API and CLI share these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community.models import Comment, Upvote
from dailypapers.papers.cards import (
    CARD_COLUMNS,
    OrganizationRef,
    build_cards,
    core,
    submitters,
    thumbnail_url,
)
from dailypapers.papers.cards import (
    PaperCard as PaperCard,  # re-exported: callers name it from here
)
from dailypapers.papers.lookup import find_paper
from dailypapers.papers.models import Author, DailyEntry, Organization, Paper, PaperAuthor
from dailypapers.papers.periods import Period, day_period, period_of_kind

Sort = Literal["upvotes", "published", "trending"]


@dataclass(frozen=True, slots=True)
class PaperList:
    """One page of a period's list, with its neighbours for navigation."""

    period: Period | None
    cards: list[PaperCard]
    page: int
    pages: int
    total: int
    previous: Period | None
    next: Period | None


def upvote_count() -> ColumnElement[int]:
    """Imported upvotes plus our users' votes, as a correlated expression on Paper."""
    votes = select(func.count()).where(Upvote.paper_id == Paper.id).scalar_subquery()
    return Paper.base_upvotes + votes


def comment_count() -> ColumnElement[int]:
    return (
        select(func.count())
        .where(Comment.paper_id == Paper.id, Comment.hidden.is_(False))
        .scalar_subquery()
    )


def latest_day(session: Session) -> date | None:
    return session.scalar(select(func.max(DailyEntry.day)))


def period_list(
    session: Session,
    *,
    period: Period | None = None,
    sort: Sort = "upvotes",
    submitter: str | None = None,
    page: int = 1,
    per_page: int = 100,
) -> PaperList:
    """Papers listed in `period` (default: the latest listed day), each once."""
    if period is None:
        latest = latest_day(session)
        if latest is None:
            return PaperList(None, [], 1, 1, 0, None, None)
        period = day_period(latest)
    entries = select(DailyEntry.paper_id).where(DailyEntry.day.between(period.start, period.end))
    if submitter is not None:
        entries = entries.join(User, User.id == DailyEntry.submitter_id, isouter=True).where(
            or_(User.username == submitter, DailyEntry.submitter_name == submitter)
        )
    if sort == "trending":
        cards, total = _trending_page(session, period, entries, page=page, per_page=per_page)
    else:
        cards, total = paper_cards(
            session, where=[Paper.id.in_(entries)], sort=sort, page=page, per_page=per_page
        )
    return PaperList(
        period=period,
        cards=cards,
        page=page,
        pages=max(1, -(-total // per_page)),
        total=total,
        previous=_neighbour(session, period, -1),
        next=_neighbour(session, period, +1),
    )


def paper_cards(
    session: Session,
    *,
    where: list[ColumnElement[bool]],
    sort: Sort = "upvotes",
    page: int = 1,
    per_page: int = 100,
) -> tuple[list[PaperCard], int]:
    """One page of visible papers matching `where`, and how many match in all."""
    visible = [*where, Paper.hidden.is_(False)]
    total = session.scalar(select(func.count()).select_from(Paper).where(*visible)) or 0
    votes = upvote_count().label("upvotes")
    newest = (Paper.published_at.desc().nulls_last(), Paper.id.desc())
    order = (votes.desc(), *newest) if sort != "published" else newest
    rows = session.execute(
        select(*CARD_COLUMNS, votes, comment_count().label("comments"))
        .where(*visible)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return build_cards(session, rows), total


_CARDS_BY_ID = select(
    *CARD_COLUMNS, upvote_count().label("upvotes"), comment_count().label("comments")
).where(Paper.id.in_(bindparam("ids", expanding=True)))


def cards_by_id(session: Session, ids: list[int]) -> list[PaperCard]:
    """Cards for these paper ids, in the given order."""
    if not ids:
        return []
    rows = core(session).execute(_CARDS_BY_ID, {"ids": ids}).all()
    by_id = {card.paper_id: card for card in build_cards(session, rows)}
    return [by_id[i] for i in ids if i in by_id]


def _trending_page(
    session: Session, period: Period, entries: Select[int], *, page: int, per_page: int
) -> tuple[list[PaperCard], int]:
    from dailypapers.ranking.trending import trending_scores

    ranked = [
        item.paper_id
        for item in trending_scores(
            session, since=period.start, until=period.end + timedelta(days=1)
        )
    ]
    allowed = set(session.scalars(entries))
    ranked = [paper_id for paper_id in ranked if paper_id in allowed]
    start = (page - 1) * per_page
    return cards_by_id(session, ranked[start : start + per_page]), len(ranked)


def _neighbour(session: Session, period: Period, step: int) -> Period | None:
    """The nearest period of the same kind before or after `period` that lists papers."""
    column = DailyEntry.day
    day = session.scalar(
        select(func.max(column)).where(column < period.start)
        if step < 0
        else select(func.min(column)).where(column > period.end)
    )
    if day is None:
        return None
    if period.kind in ("day", "range"):
        return day_period(day) if period.kind == "day" else period.shifted(step)
    return period_of_kind(period.kind, day)


def daily_list(
    session: Session, *, day: date | None = None, page: int = 1, per_page: int = 100
) -> PaperList:
    return period_list(
        session, period=day_period(day) if day else None, page=page, per_page=per_page
    )


def _card(paper: Paper, upvotes: int, comments: int, submitter: str | None = None) -> PaperCard:
    return PaperCard(
        key=paper.key,
        title=paper.title,
        abstract=paper.abstract,
        authors=paper.author_names,
        num_authors=paper.num_authors,
        organization=OrganizationRef.of(paper.organization),
        published_at=paper.published_at,
        upvotes=upvotes,
        num_comments=comments,
        code_url=paper.code_url,
        project_url=paper.project_url,
        hidden=paper.hidden,
        featured=paper.featured,
        paper_id=paper.id,
        ai_summary=paper.ai_summary,
        ai_keywords=paper.ai_keywords,
        github_stars=paper.github_stars,
        submitter=submitter,
        thumbnail_url=thumbnail_url(paper.media_url, paper.thumbnail),
    )


@dataclass(frozen=True, slots=True)
class PaperDetail:
    paper: Paper
    card: PaperCard
    listed_on: list[date]


def paper_detail(session: Session, *, key: str, include_hidden: bool = False) -> PaperDetail | None:
    """One visible paper by its public id (hidden ones too for admins), or None."""
    paper = find_paper(session, key=key, include_hidden=include_hidden)
    if paper is None:
        return None
    upvotes, comments = session.execute(
        select(upvote_count(), comment_count()).where(Paper.id == paper.id)
    ).one()
    days = list(
        session.scalars(
            select(DailyEntry.day).where(DailyEntry.paper_id == paper.id).order_by(DailyEntry.day)
        )
    )
    submitter = submitters(session, [paper.id]).get(paper.id)
    return PaperDetail(paper, _card(paper, upvotes, comments, submitter), days)


def organization_papers(
    session: Session, *, name: str, page: int = 1, per_page: int = 100
) -> tuple[Organization | None, list[PaperCard], int]:
    org = session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        return None, [], 0
    cards, total = paper_cards(
        session,
        where=[Paper.organization_id == org.id],
        sort="published",
        page=page,
        per_page=per_page,
    )
    return org, cards, total


def author_papers(
    session: Session, *, name: str, page: int = 1, per_page: int = 100
) -> tuple[list[PaperCard], int]:
    """Papers by the author spelled `name`, newest first."""
    ids = (
        select(PaperAuthor.paper_id)
        .join(Author, Author.id == PaperAuthor.author_id)
        .where(Author.name == name)
    )
    return paper_cards(
        session, where=[Paper.id.in_(ids)], sort="published", page=page, per_page=per_page
    )


@dataclass(frozen=True, slots=True)
class UserActivity:
    user: User
    submitted: list[PaperCard]
    upvoted: list[PaperCard]


def user_activity(session: Session, *, username: str, limit: int = 50) -> UserActivity | None:
    """What a user submitted and upvoted, newest first."""
    user = session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        return None
    submitted = session.scalars(
        select(DailyEntry.paper_id)
        .where(DailyEntry.submitter_id == user.id)
        .order_by(DailyEntry.submitted_at.desc())
        .limit(limit)
    )
    upvoted = session.scalars(
        select(Upvote.paper_id)
        .where(Upvote.user_id == user.id)
        .order_by(Upvote.created_at.desc())
        .limit(limit)
    )
    return UserActivity(
        user=user,
        submitted=[c for c in cards_by_id(session, list(submitted)) if not c.hidden],
        upvoted=[c for c in cards_by_id(session, list(upvoted)) if not c.hidden],
    )
