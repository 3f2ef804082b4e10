"""The search page: hybrid results with filters, sorts, highlights and a weekly chart."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from dailypapers.charts.svg import bar_chart
from dailypapers.community.votes import voted_keys
from dailypapers.search.embedder import served_embedder
from dailypapers.search.service import SearchFilters, search_papers
from dailypapers.search.trend import weekly_matches
from dailypapers.web.cache import cached_value
from dailypapers.web.deps import CurrentUser, SessionDep
from dailypapers.web.ratelimit import enforce
from dailypapers.web.render import render
from dailypapers.web.search_results import require_words

router = APIRouter(include_in_schema=False)
PER_PAGE = 20


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(
            status_code=400, detail=f"{name}: {value!r} is not a date (YYYY-MM-DD)"
        ) from None


def _chart_label(capped: bool) -> str:
    return "Papers holding every word, per week" + (" (first 5,000 matches)" if capped else "")


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    q: str = Query("", max_length=500),
    mode: Literal["hybrid", "keyword", "semantic"] = "hybrid",
    sort: Literal["relevance", "newest", "upvotes"] = "relevance",
    category: str = Query("", max_length=64),
    org: str = Query("", max_length=200),
    code: bool = False,
    since: str | None = Query(None, alias="from", max_length=10),
    until: str | None = Query(None, alias="to", max_length=10),
    p: int = Query(1, ge=1, le=500),
) -> HTMLResponse:
    context: dict[str, object] = {
        "query": q,
        "mode": mode,
        "sort": sort,
        "category": category,
        "org": org,
        "code": code,
        "since": since or "",
        "until": until or "",
        "page": p,
    }
    if not q.strip():
        return render(request, "search.html", {**context, "results": None, "voted": set()})
    enforce(request, "search")
    require_words(q)
    filters = SearchFilters(
        published_from=_date(since, "from"),
        published_to=_date(until, "to"),
        category=category or None,
        organization=org or None,
        has_code=True if code else None,
    )
    results = search_papers(
        session,
        query=q,
        mode=mode,
        filters=filters,
        sort=sort,
        limit=PER_PAGE,
        offset=(p - 1) * PER_PAGE,
        embedder=served_embedder,
    )
    today = date.today()
    bars, capped = cached_value(
        request,
        session,
        ("search-chart", q, today.isoformat()),
        lambda: weekly_matches(session, query=q, today=today),
    )
    context.update(
        results=results,
        voted=voted_keys(session, user=user, keys=[h.card.key for h in results.hits]),
        chart=bar_chart(bars, label=_chart_label(capped)),
        chart_total=sum(count for _, count in bars),
        capped=capped,
        has_next=results.offset + len(results.hits) < results.total,
    )
    return render(request, "search.html", context)
