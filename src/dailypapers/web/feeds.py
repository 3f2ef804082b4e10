"""RSS 2.0 and Atom feeds of every list: days, weeks, months, trending, search, orgs, authors.

Each feed renders the same query function as its page and is cached like the API (per query
and the versions it shows, with ETag). Text stays text: Atom says `type="text"`; RSS
descriptions, which readers treat as HTML, carry the abstract HTML-escaped. Characters that
XML 1.0 cannot hold are dropped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Query, Request, Response
from feedgen.feed import FeedGenerator
from sqlalchemy.orm import Session

from dailypapers.changes.version import (
    ALL_VOTES,
    NO_VOTES,
    VoteScope,
    current_version,
    latest_votes,
    period_votes,
)
from dailypapers.papers.listings import Listing, listings
from dailypapers.papers.periods import Period, PeriodError, PeriodKind, days_ending, parse_period
from dailypapers.papers.queries import (
    PaperCard,
    author_papers,
    latest_day,
    organization_papers,
    period_list,
)
from dailypapers.web.cache import Rendered, serve_cached
from dailypapers.web.deps import EmbedderDep, absolute_base
from dailypapers.web.pages import TRENDING_DAYS
from dailypapers.web.search_results import require_words, search_cards

router = APIRouter(tags=["feeds"])
Format = Literal["rss", "atom"]
FEED_SIZE = 100
TRENDING_TTL = 300.0
MEDIA_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FEED_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {MEDIA_TYPES["rss"]: {}, MEDIA_TYPES["atom"]: {}}},
    304: {"description": "Not modified (If-None-Match matched the ETag)."},
    400: {"description": "A malformed day, week or month, or a search without words."},
    404: {"description": "No such organization or author."},
}


@dataclass(frozen=True, slots=True)
class FeedContent:
    title: str
    page: str  # the page's path, e.g. /papers/date/2026-02-19
    listed: list[Listing]
    updated: datetime


def xml_text(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def render_feed(content: FeedContent, fmt: Format, base_url: str, self_path: str) -> Rendered:
    fg = FeedGenerator()
    fg.load_extension("dc")
    page = base_url + content.page
    fg.id(page)
    fg.title(xml_text(f"dailypapers: {content.title}"))
    fg.link(href=base_url + self_path, rel="self")
    fg.link(href=page, rel="alternate")
    fg.description(xml_text(f"Papers on dailypapers: {content.title}"))
    fg.language("en")
    fg.updated(content.updated)
    for listing in content.listed:
        _entry(fg, listing, fmt, base_url)
    body = fg.rss_str(pretty=False) if fmt == "rss" else fg.atom_str(pretty=False)
    return Rendered(body, MEDIA_TYPES[fmt])


def _entry(fg: FeedGenerator, listing: Listing, fmt: Format, base_url: str) -> None:
    paper = listing.paper
    url = f"{base_url}/papers/{quote(paper.key, safe='')}"
    fe = fg.add_entry(order="append")
    fe.id(url)
    fe.guid(url, permalink=True)
    fe.title(xml_text(paper.title))
    fe.link(href=url, rel="alternate")  # one link: feedgen drops `rel` on entry links
    abstract = xml_text(paper.abstract)
    if fmt == "atom":
        fe.summary(abstract)  # Atom: type="text", shown as it is
    else:
        fe.description(html.escape(abstract))  # RSS readers read HTML: escape once more
    names = [xml_text(name) for name in listing.card.authors]
    for name in names:
        fe.author({"name": name})
    if names:
        fe.dc.dc_creator(names)
    for category in paper.categories or []:
        fe.category(term=xml_text(category))
    stamp = _entry_time(listing)
    fe.published(stamp)
    fe.updated(max(stamp, paper.updated_at or stamp))


def _entry_time(listing: Listing) -> datetime:
    if listing.submitted_at:
        return listing.submitted_at
    if listing.paper.published_at:
        return listing.paper.published_at
    return datetime.combine(listing.listed_on or date(1970, 1, 1), time(0), tzinfo=UTC)


async def _serve(
    request: Request,
    fmt: Format,
    content: Callable[[Session], FeedContent],
    *,
    ttl: float | None = None,
    votes: VoteScope = ALL_VOTES,
) -> Response:
    """The feed at this URL (path and query name it whole), cached like the API."""
    self_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    base_url = absolute_base(request)

    def render(session: Session) -> Rendered:
        return render_feed(content(session), fmt, base_url, self_path)

    key = ("feed", self_path, base_url)
    return await serve_cached(request, key, render, ttl=ttl, votes=votes)


def _period_content(period: Period | None) -> Callable[[Session], FeedContent]:
    def content(session: Session) -> FeedContent:
        listing = period_list(session, period=period, per_page=FEED_SIZE)
        shown = listing.period
        return FeedContent(
            title=shown.title if shown else "the latest papers",
            page=_period_page(shown) if period else "/papers",
            listed=listings(session, cards=listing.cards, period=shown),
            updated=current_version(session).changed_at,
        )

    return content


def _period_page(period: Period | None) -> str:
    if period is None:
        return "/papers"
    prefix = {"day": "date", "week": "week", "month": "month"}.get(period.kind, "date")
    return f"/papers/{prefix}/{period.label}"


def _parsed(kind: PeriodKind, text: str) -> Period:
    try:
        return parse_period(kind, text)
    except PeriodError as exc:
        raise HTTPException(400, str(exc)) from None


@router.get("/papers/feed.{fmt}", responses=_FEED_RESPONSES, summary="The latest day's feed")
async def latest_feed(request: Request, fmt: Format) -> Response:
    return await _serve(request, fmt, _period_content(None), votes=period_votes(None))


@router.get("/papers/date/{day}/feed.{fmt}", responses=_FEED_RESPONSES, summary="A day's feed")
async def day_feed(request: Request, day: str, fmt: Format) -> Response:
    period = _parsed("day", day)
    return await _serve(request, fmt, _period_content(period), votes=period_votes(period))


@router.get("/papers/week/{week}/feed.{fmt}", responses=_FEED_RESPONSES, summary="A week's feed")
async def week_feed(request: Request, week: str, fmt: Format) -> Response:
    period = _parsed("week", week)
    return await _serve(request, fmt, _period_content(period), votes=period_votes(period))


@router.get("/papers/month/{month}/feed.{fmt}", responses=_FEED_RESPONSES, summary="A month's feed")
async def month_feed(request: Request, month: str, fmt: Format) -> Response:
    period = _parsed("month", month)
    return await _serve(request, fmt, _period_content(period), votes=period_votes(period))


@router.get("/papers/trending/feed.{fmt}", responses=_FEED_RESPONSES, summary="Trending feed")
async def trending_feed(request: Request, fmt: Format) -> Response:
    def content(session: Session) -> FeedContent:
        end = latest_day(session)
        period = days_ending(end, TRENDING_DAYS) if end else None
        listing = period_list(session, period=period, sort="trending", per_page=FEED_SIZE)
        return FeedContent(
            title="trending papers",
            page="/papers/trending",
            listed=listings(session, cards=listing.cards, period=period),
            updated=current_version(session).changed_at,
        )

    trending = latest_votes(TRENDING_DAYS)
    return await _serve(request, fmt, content, ttl=TRENDING_TTL, votes=trending)


@router.get("/search/feed.{fmt}", responses=_FEED_RESPONSES, summary="Search results feed")
async def search_feed(
    request: Request,
    fmt: Format,
    embedder: EmbedderDep,
    q: str = Query("", max_length=500, description="The search, as on /search."),
) -> Response:
    query = " ".join(q.split())
    require_words(query)

    def content(session: Session) -> FeedContent:
        found = search_cards(session, query=query, limit=FEED_SIZE, embedder=embedder)
        return FeedContent(
            title=f"search for {query}" if query else "the latest papers",
            page="/search?" + urlencode({"q": query}),
            listed=listings(session, cards=found.cards, period=found.period),
            updated=current_version(session).changed_at,
        )

    # Entries show no counts and a search ranks by relevance: votes change nothing (an empty
    # query is the latest list, by votes).
    votes = NO_VOTES if query else period_votes(None)
    return await _serve(request, fmt, content, votes=votes)


@router.get(
    "/orgs/{name:path}/feed.{fmt}", responses=_FEED_RESPONSES, summary="An organization's feed"
)
async def organization_feed(request: Request, name: str, fmt: Format) -> Response:
    def content(session: Session) -> FeedContent:
        org, cards, _ = organization_papers(session, name=name, per_page=FEED_SIZE)
        if org is None:
            raise HTTPException(404, f"No organization {name!r}.")
        page = f"/orgs/{quote(name, safe='')}"
        return _unlisted_content(session, org.full_name, page, cards)

    return await _serve(request, fmt, content)


@router.get(
    "/authors/{name:path}/feed.{fmt}", responses=_FEED_RESPONSES, summary="An author's feed"
)
async def author_feed(request: Request, name: str, fmt: Format) -> Response:
    def content(session: Session) -> FeedContent:
        cards, total = author_papers(session, name=name, per_page=FEED_SIZE)
        if not total:
            raise HTTPException(404, f"No papers by {name!r}.")
        page = f"/authors/{quote(name, safe='')}"
        return _unlisted_content(session, f"papers by {name}", page, cards)

    return await _serve(request, fmt, content)


def _unlisted_content(
    session: Session, title: str, page: str, cards: list[PaperCard]
) -> FeedContent:
    return FeedContent(
        title=title,
        page=page,
        listed=listings(session, cards=cards),
        updated=current_version(session).changed_at,
    )
