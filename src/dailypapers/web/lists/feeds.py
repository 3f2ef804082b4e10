"""RSS and Atom feeds of the lists: the latest day, a day, a week, a month, trending."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from dailypapers.web.deps import CacheDep
from dailypapers.web.feeds import FEED_RESPONSES, FeedContent, Format, feed_content, serve_feed
from dailypapers.web.lists.data import TRENDING, ListOf, list_votes, listed, paper_list, ttl
from dailypapers.web.shared import FEED_SIZE, period_or_400, period_path

router = APIRouter(tags=["feeds"])


def _content(which: ListOf) -> Callable[[Session], FeedContent]:
    def content(session: Session) -> FeedContent:
        found = paper_list(session, which, sort="upvotes", per_page=FEED_SIZE)
        if which.trending:
            return feed_content(
                session, "trending papers", "/papers/trending", listed(session, found)
            )
        shown = found.period
        title = shown.title if shown else "the latest papers"
        page = period_path(shown) if which.period else "/papers"
        return feed_content(session, title, page, listed(session, found))

    return content


async def _serve(cache: CacheDep, fmt: Format, which: ListOf) -> Response:
    expiry = ttl(which, "upvotes")
    return await serve_feed(cache, fmt, _content(which), ttl=expiry, votes=list_votes(which))


@router.get("/papers/feed.{fmt}", responses=FEED_RESPONSES, summary="The latest day's feed")
async def latest_feed(cache: CacheDep, fmt: Format) -> Response:
    return await _serve(cache, fmt, ListOf())


@router.get("/papers/date/{day}/feed.{fmt}", responses=FEED_RESPONSES, summary="A day's feed")
async def day_feed(cache: CacheDep, day: str, fmt: Format) -> Response:
    return await _serve(cache, fmt, ListOf(period_or_400("day", day)))


@router.get("/papers/week/{week}/feed.{fmt}", responses=FEED_RESPONSES, summary="A week's feed")
async def week_feed(cache: CacheDep, week: str, fmt: Format) -> Response:
    return await _serve(cache, fmt, ListOf(period_or_400("week", week)))


@router.get("/papers/month/{month}/feed.{fmt}", responses=FEED_RESPONSES, summary="A month's feed")
async def month_feed(cache: CacheDep, month: str, fmt: Format) -> Response:
    return await _serve(cache, fmt, ListOf(period_or_400("month", month)))


@router.get("/papers/trending/feed.{fmt}", responses=FEED_RESPONSES, summary="Trending feed")
async def trending_feed(cache: CacheDep, fmt: Format) -> Response:
    return await _serve(cache, fmt, TRENDING)
