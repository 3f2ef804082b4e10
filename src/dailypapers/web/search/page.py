"""The search page: hybrid results with filters, sorts, highlights and a weekly chart."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from dailypapers.changes.version import NO_VOTES
from dailypapers.charts.svg import bar_axis, bar_chart
from dailypapers.community.votes import voted_keys
from dailypapers.search.trend import weekly_matches
from dailypapers.web.cache import cached_value
from dailypapers.web.deps import CurrentUser, EmbedderDep, SessionDep
from dailypapers.web.ratelimit import enforce
from dailypapers.web.render import render
from dailypapers.web.search.data import (
    known_organizations,
    query_problem,
    run_search,
    search_filters,
)

router = APIRouter(include_in_schema=False)
PER_PAGE = 20
MAX_PAGE = 500


def _chart_label(capped: bool) -> str:
    return "Papers holding every word, per week" + (" (first 5,000 matches)" if capped else "")


def _chart(request: Request, session: SessionDep, q: str) -> dict[str, object]:
    """The weekly bar chart of papers holding every word, cached for the day."""
    today = date.today()
    bars, capped = cached_value(
        request,
        session,
        ("search-chart", q, today.isoformat()),
        lambda: weekly_matches(session, query=q, today=today),
        votes=NO_VOTES,  # counts papers, not votes
    )
    return {
        "chart": bar_chart(bars, label=_chart_label(capped)) + bar_axis(bars),
        "chart_total": sum(count for _, count in bars),
        "capped": capped,
    }


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    embedder: EmbedderDep,
    q: str = Query(""),
    mode: Literal["hybrid", "keyword", "semantic"] = "hybrid",
    sort: Literal["relevance", "newest", "upvotes"] = "relevance",
    category: str = Query("", max_length=64),
    org: str = Query("", max_length=200),
    code: bool = False,
    since: str | None = Query(None, alias="from", max_length=10),
    until: str | None = Query(None, alias="to", max_length=10),
    p: int = Query(1, description="Page; one past the end says which page is the last."),
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
        "missing_page": None,
    }
    context["organizations"] = known_organizations(session)
    if not q.strip():
        return render(request, "search.html", {**context, "results": None, "voted": set()})
    enforce(request, "search")
    problem = query_problem(q)
    if problem:  # the user stays on the page, the query in the box, the reason above
        context.update(results=None, voted=set(), problem=problem)
        return render(request, "search.html", context, status_code=400)
    results = run_search(
        session,
        query=q,
        mode=mode,
        filters=search_filters(since, until, category, org, code),
        sort=sort,
        limit=PER_PAGE,
        offset=(min(max(p, 1), MAX_PAGE) - 1) * PER_PAGE,
        embedder=embedder,
        highlight=True,
    ).results
    assert results is not None  # a query with words
    last = max(1, -(-results.total // PER_PAGE))
    if not 1 <= p <= min(last, MAX_PAGE):
        context.update(missing_page=p, last_page=min(last, MAX_PAGE))
    context.update(
        _chart(request, session, q),
        results=results,
        voted=voted_keys(session, user=user, keys=[h.card.key for h in results.hits]),
        has_next=results.has_next,
    )
    status = 200 if context["missing_page"] is None else 404
    response = render(request, "search.html", context, status_code=status)
    response.headers["X-Search-Mode"] = results.mode
    return response
