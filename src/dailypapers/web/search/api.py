"""GET /api/papers/search: the search page's papers as the JSON API answers them."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from dailypapers.changes.version import SHOWN_VOTES, period_votes
from dailypapers.papers.listings import listings
from dailypapers.web.api_schemas import API_ERRORS, ErrorOut, PaperListItem, json_list
from dailypapers.web.deps import CacheDep, EmbedderDep, absolute_base
from dailypapers.web.kept_answers import Rendered
from dailypapers.web.ratelimit import enforce
from dailypapers.web.search.data import FiltersDep, require_words, run_search

router = APIRouter(tags=["papers"])
SearchMode = Literal["hybrid", "keyword", "semantic"]


@router.get(
    "/api/papers/search",
    response_model=list[PaperListItem],
    responses={**API_ERRORS, 429: {"model": ErrorOut, "description": "Too many searches."}},
    summary="Search papers",
    description="The header `X-Search-Mode` tells which mode ran: `hybrid` falls back to "
    "`keyword` when the embedding model is unavailable or no paper has a vector. "
    "`X-Total-Count` says how many papers hold every word (`X-Total-Exact: false`: at least "
    "that many). An arXiv id or URL, a Hugging Face paper URL or a DOI puts that paper first. "
    "The filters are the search page's.",
)
async def search(
    request: Request,
    cache: CacheDep,
    embedder: EmbedderDep,
    filters: FiltersDep,
    q: str = Query("", max_length=500, description="Words to look for; empty: the latest list."),
    limit: int = Query(50, ge=1, le=100, description="At most this many papers."),
    mode: SearchMode = Query("hybrid", description="Keyword (BM25), semantic, or both fused."),
) -> Response:
    enforce(request, "search")
    query = " ".join(q.split())
    require_words(query)
    base_url = absolute_base(request)

    def render(session: Session) -> Rendered:
        found = run_search(
            session, query=query, limit=limit, mode=mode, filters=filters, embedder=embedder
        )
        items = listings(session, cards=found.cards, period=found.period)
        headers: dict[str, str] = {"X-Search-Mode": found.mode or ""}
        if found.total is not None:
            headers["X-Total-Count"] = str(found.total)
            headers["X-Total-Exact"] = "true" if found.total_exact else "false"
        shows = tuple(item.card.key for item in items)
        return replace(json_list(items, base_url, headers=headers), shows=shows)

    # Ranked by relevance, not votes: only a vote on a paper it shows makes it stale (an
    # empty query is the latest list, by votes).
    votes = SHOWN_VOTES if query else period_votes(None)
    key = ("search", query, limit, mode, filters, base_url)
    return await cache.serve(key, render, votes=votes)
