"""How the catalogue is asked: the daily list and one paper. Pages, API and CLI share these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from dailypapers.community.models import Comment, Upvote
from dailypapers.papers.models import DailyEntry, Organization, Paper, PaperAuthor


@dataclass(frozen=True, slots=True)
class PaperCard:
    """What a list shows of a paper."""

    key: str
    title: str
    abstract: str
    authors: list[str]
    num_authors: int | None
    organization: Organization | None
    published_at: datetime | None
    upvotes: int
    num_comments: int
    code_url: str | None
    project_url: str | None
    listed_on: date | None = None


@dataclass(frozen=True, slots=True)
class DailyList:
    day: date | None
    cards: list[PaperCard]
    page: int
    pages: int
    total: int
    previous_day: date | None
    next_day: date | None


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


def daily_list(
    session: Session, *, day: date | None = None, page: int = 1, per_page: int = 100
) -> DailyList:
    """The papers listed on `day` (default: the latest listed day), most upvoted first."""
    day = day or latest_day(session)
    if day is None:
        return DailyList(None, [], 1, 1, 0, None, None)
    visible = (DailyEntry.day == day, Paper.hidden.is_(False))
    total = (
        session.scalar(select(func.count()).select_from(DailyEntry).join(Paper).where(*visible))
        or 0
    )
    votes = upvote_count().label("upvotes")
    rows = session.execute(
        select(Paper, votes, comment_count().label("comments"))
        .join(DailyEntry, DailyEntry.paper_id == Paper.id)
        .where(*visible)
        .order_by(votes.desc(), Paper.published_at.desc(), Paper.id)
        .options(selectinload(Paper.author_links).joinedload(PaperAuthor.author))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    cards = [_card(paper, upvotes, comments, day) for paper, upvotes, comments in rows]
    return DailyList(
        day=day,
        cards=cards,
        page=page,
        pages=max(1, -(-total // per_page)),
        total=total,
        previous_day=session.scalar(select(func.max(DailyEntry.day)).where(DailyEntry.day < day)),
        next_day=session.scalar(select(func.min(DailyEntry.day)).where(DailyEntry.day > day)),
    )


def _card(paper: Paper, upvotes: int, comments: int, day: date | None) -> PaperCard:
    return PaperCard(
        key=paper.key,
        title=paper.title,
        abstract=paper.abstract,
        authors=paper.author_names,
        num_authors=paper.num_authors,
        organization=paper.organization,
        published_at=paper.published_at,
        upvotes=upvotes,
        num_comments=comments,
        code_url=paper.code_url,
        project_url=paper.project_url,
        listed_on=day,
    )


@dataclass(frozen=True, slots=True)
class PaperDetail:
    paper: Paper
    card: PaperCard
    listed_on: list[date]


def paper_detail(session: Session, *, key: str) -> PaperDetail | None:
    """One visible paper by its public id, or None."""
    row = session.execute(
        select(Paper, upvote_count(), comment_count())
        .where(Paper.key == key, Paper.hidden.is_(False))
        .options(selectinload(Paper.author_links).joinedload(PaperAuthor.author))
    ).first()
    if row is None:
        return None
    paper, upvotes, comments = row
    days = list(
        session.scalars(
            select(DailyEntry.day).where(DailyEntry.paper_id == paper.id).order_by(DailyEntry.day)
        )
    )
    return PaperDetail(paper, _card(paper, upvotes, comments, days[-1] if days else None), days)
