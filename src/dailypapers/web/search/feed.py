"""The search's RSS and Atom feed: the search page's papers, best first."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from dailypapers.changes.version import NO_VOTES, period_votes
from dailypapers.papers.listings import listings
from dailypapers.search.filters import SearchFilters
from dailypapers.web.deps import CacheDep, EmbedderDep
from dailypapers.web.feeds import FEED_RESPONSES, FeedContent, Format, feed_content, serve_feed
from dailypapers.web.search.data import FiltersDep, require_words, run_search
from dailypapers.web.shared import FEED_SIZE

router = APIRouter(tags=["feeds"])


@router.get("/search/feed.{fmt}", responses=FEED_RESPONSES, summary="Search results feed")
async def search_feed(
    cache: CacheDep,
    fmt: Format,
    embedder: EmbedderDep,
    filters: FiltersDep,
    q: str = Query("", max_length=500, description="The search, as on /search."),
) -> Response:
    query = " ".join(q.split())
    require_words(query)

    def content(session: Session) -> FeedContent:
        found = run_search(
            session, query=query, limit=FEED_SIZE, filters=filters, embedder=embedder
        )
        title = f"search for {query}" if query else "the latest papers"
        page = "/search?" + urlencode({"q": query})
        if filters != SearchFilters():  # the page that shows the same papers
            page = f"/search?{cache.request.url.query}"
        return feed_content(
            session, title, page, listings(session, cards=found.cards, period=found.period)
        )

    # Entries show no counts and a search ranks by relevance: votes change nothing (an empty
    # query is the latest list, by votes).
    return await serve_feed(cache, fmt, content, votes=NO_VOTES if query else period_votes(None))
