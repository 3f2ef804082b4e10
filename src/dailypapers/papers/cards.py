"""A paper as lists show it: the card, built from plain rows for a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Connection, Row, bindparam, func, or_, select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.papers.models import Author, DailyEntry, Organization, Paper, PaperAuthor


@dataclass(frozen=True, slots=True)
class OrganizationRef:
    """An organization as cards show it: a plain copy, safe to cache across sessions."""

    id: int
    name: str
    full_name: str
    avatar_url: str | None

    @classmethod
    def of(cls, org: Organization | None) -> OrganizationRef | None:
        if org is None:
            return None
        return cls(org.id, org.name, org.full_name, org.avatar_url)


@dataclass(frozen=True, slots=True)
class PaperCard:
    """What a list shows of a paper."""

    key: str
    title: str
    abstract: str
    authors: list[str]
    num_authors: int | None
    organization: OrganizationRef | None
    published_at: datetime | None
    upvotes: int
    num_comments: int
    code_url: str | None
    project_url: str | None
    hidden: bool = False
    featured: bool = False
    paper_id: int = 0
    ai_summary: str | None = None
    ai_keywords: list[str] | None = None
    github_stars: int | None = None
    submitter: str | None = None  # who put it on a daily list (a user here, or the source's)
    thumbnail_url: str | None = None  # the source's image, else the rendered first page


# Cards are built from plain rows (no ORM objects: a list page holds a hundred papers and
# their authors), the authors and organizations of a page read in one query each.
CARD_COLUMNS = (
    Paper.id,
    Paper.key,
    Paper.title,
    Paper.abstract,
    Paper.num_authors,
    Paper.organization_id,
    Paper.published_at,
    Paper.code_url,
    Paper.project_url,
    Paper.hidden,
    Paper.featured,
    Paper.ai_summary,
    Paper.ai_keywords,
    Paper.github_stars,
    Paper.media_url,
    Paper.thumbnail,
)


def thumbnail_url(media_url: str | None, thumbnail: str | None) -> str | None:
    """The source's image first (Hugging Face's media), else our rendering of page one."""
    return media_url or (f"/thumbnails/{thumbnail}.webp" if thumbnail else None)


def build_cards(session: Session, rows: Sequence[Row[*tuple[Any, ...]]]) -> list[PaperCard]:
    """Cards from rows of CARD_COLUMNS with `upvotes` and `comments`."""
    ids = [row.id for row in rows]
    authors = _authors(session, ids)
    orgs = _organizations(session, {r.organization_id for r in rows if r.organization_id})
    submitted = submitters(session, ids)
    return [
        PaperCard(
            key=row.key,
            title=row.title,
            abstract=row.abstract,
            authors=authors.get(row.id, []),
            num_authors=row.num_authors,
            organization=orgs.get(row.organization_id) if row.organization_id else None,
            published_at=row.published_at,
            upvotes=row.upvotes,
            num_comments=row.comments,
            code_url=row.code_url,
            project_url=row.project_url,
            hidden=row.hidden,
            featured=row.featured,
            paper_id=row.id,
            ai_summary=row.ai_summary,
            ai_keywords=row.ai_keywords,
            github_stars=row.github_stars,
            submitter=submitted.get(row.id),
            thumbnail_url=thumbnail_url(row.media_url, row.thumbnail),
        )
        for row in rows
    ]


# Built once, run on the session's connection (Core, not the ORM's result handling): a
# search or a list page asks for a page of cards each time, and building the statements
# cost more than running them.
_IDS: BindParameter[int] = bindparam("ids", expanding=True)
_AUTHORS = (
    select(PaperAuthor.paper_id, Author.name)
    .join(Author, Author.id == PaperAuthor.author_id)
    .where(PaperAuthor.paper_id.in_(_IDS))
    .order_by(PaperAuthor.paper_id, PaperAuthor.position)
)
_ORGANIZATIONS = select(
    Organization.id, Organization.name, Organization.full_name, Organization.avatar_url
).where(Organization.id.in_(_IDS))
_SUBMITTERS = (
    select(DailyEntry.paper_id, func.coalesce(User.username, DailyEntry.submitter_name))
    .join(User, User.id == DailyEntry.submitter_id, isouter=True)
    .where(
        DailyEntry.paper_id.in_(_IDS),
        or_(DailyEntry.submitter_id.is_not(None), DailyEntry.submitter_name.is_not(None)),
    )
    .order_by(DailyEntry.day)
)


def core(session: Session) -> Connection:
    """The session's connection for a prebuilt Core statement, pending changes flushed
    first as the ORM's own queries would (autoflush)."""
    session.flush()
    return session.connection()


def _authors(session: Session, ids: list[int]) -> dict[int, list[str]]:
    authors: dict[int, list[str]] = {}
    if ids:
        for paper_id, name in core(session).execute(_AUTHORS, {"ids": ids}):
            authors.setdefault(paper_id, []).append(name)
    return authors


def _organizations(session: Session, org_ids: set[int]) -> dict[int, OrganizationRef]:
    if not org_ids:
        return {}
    rows = core(session).execute(_ORGANIZATIONS, {"ids": sorted(org_ids)})
    return {r.id: OrganizationRef(r.id, r.name, r.full_name, r.avatar_url) for r in rows}


def submitters(session: Session, ids: list[int]) -> dict[int, str]:
    """Who submitted each paper to a daily list (the latest listing that names someone)."""
    if not ids:
        return {}
    rows = core(session).execute(_SUBMITTERS, {"ids": ids})
    return {paper_id: name for paper_id, name in rows if name}
