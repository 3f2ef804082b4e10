"""RSS and Atom feeds of an organization's and an author's papers."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from dailypapers.changes.version import NO_VOTES
from dailypapers.papers.listings import listings
from dailypapers.web.deps import CacheDep
from dailypapers.web.feeds import FEED_RESPONSES, FeedContent, Format, feed_content, serve_feed
from dailypapers.web.people.data import org_papers, papers_by
from dailypapers.web.shared import FEED_SIZE

router = APIRouter(tags=["feeds"])


@router.get(
    "/orgs/{name:path}/feed.{fmt}", responses=FEED_RESPONSES, summary="An organization's feed"
)
async def organization_feed(cache: CacheDep, name: str, fmt: Format) -> Response:
    def content(session: Session) -> FeedContent:
        found = org_papers(session, name=name, per_page=FEED_SIZE)
        page = f"/orgs/{quote(name, safe='')}"
        return feed_content(
            session, found.org.full_name, page, listings(session, cards=found.cards)
        )

    return await serve_feed(cache, fmt, content, votes=NO_VOTES)  # newest first, no counts


@router.get("/authors/{name:path}/feed.{fmt}", responses=FEED_RESPONSES, summary="An author's feed")
async def author_feed(cache: CacheDep, name: str, fmt: Format) -> Response:
    def content(session: Session) -> FeedContent:
        found = papers_by(session, name=name, per_page=FEED_SIZE)
        page = f"/authors/{quote(name, safe='')}"
        title = f"papers by {name}"
        return feed_content(session, title, page, listings(session, cards=found.cards))

    return await serve_feed(cache, fmt, content, votes=NO_VOTES)  # newest first, no counts
