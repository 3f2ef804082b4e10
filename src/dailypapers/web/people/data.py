"""Organizations, authors and users: one data function each, which the page and the feed
(organizations, authors) render."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community.collections import user_collections
from dailypapers.community.models import Collection
from dailypapers.papers.models import Organization
from dailypapers.papers.queries import (
    PaperCard,
    UserActivity,
    author_papers,
    organization_papers,
    user_activity,
)


@dataclass(frozen=True, slots=True)
class OrgPapers:
    org: Organization
    cards: list[PaperCard]
    total: int


@dataclass(frozen=True, slots=True)
class AuthorPapers:
    name: str
    cards: list[PaperCard]
    total: int


@dataclass(frozen=True, slots=True)
class Profile:
    activity: UserActivity
    collections: list[Collection]  # those the viewer may see


def org_papers(session: Session, *, name: str, page: int = 1, per_page: int = 100) -> OrgPapers:
    """An organization's papers, newest first; 404 when there is no such organization."""
    org, cards, total = organization_papers(session, name=name, page=page, per_page=per_page)
    if org is None:
        raise HTTPException(status_code=404, detail=f"No organization {name!r}.")
    return OrgPapers(org, cards, total)


def papers_by(session: Session, *, name: str, page: int = 1, per_page: int = 100) -> AuthorPapers:
    """The papers of the author spelled `name`, newest first; 404 when there are none."""
    cards, total = author_papers(session, name=name, page=page, per_page=per_page)
    if not total:
        raise HTTPException(status_code=404, detail=f"No papers by {name!r}.")
    return AuthorPapers(name, cards, total)


def user_profile(session: Session, *, username: str, viewer: User | None) -> Profile:
    """What a user submitted and upvoted, and the collections the viewer may see."""
    activity = user_activity(session, username=username)
    if activity is None:
        raise HTTPException(status_code=404, detail=f"No user {username!r}.")
    own = viewer is not None and viewer.id == activity.user.id
    collections = user_collections(session, user=activity.user)
    return Profile(activity, [c for c in collections if own or c.is_public])
