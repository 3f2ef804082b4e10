"""The search page: hybrid results with filters, sorts, highlights and a weekly chart."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.changes.version import NO_VOTES, SHOWN_VOTES
from dailypapers.charts.svg import bar_axis, bar_chart
from dailypapers.community.votes import voted_keys
from dailypapers.search.embedder import EmbedderSource
from dailypapers.search.filters import SearchFilters
from dailypapers.search.service import Mode, SearchResults, SortOrder
from dailypapers.search.trend import weekly_matches
from dailypapers.web.deps import CacheDep, CurrentUser, EmbedderDep, PageDep, SessionDep
from dailypapers.web.page_cache import anonymous_page
from dailypapers.web.ratelimit import enforce
from dailypapers.web.render import Page
from dailypapers.web.search.data import (
    known_organizations,
    query_problem,
    run_search,
    search_filters,
)

router = APIRouter(include_in_schema=False)
DAY_SECONDS = 86_400  # the chart counts up to today
PER_PAGE = 20
MAX_PAGE = 500


def _chart_label(capped: bool) -> str:
    return "Papers holding every word, per week" + (" (first 5,000 matches)" if capped else "")


def _chart(cache: CacheDep, session: Session, q: str) -> dict[str, object]:
    """The weekly bar chart of papers holding every word, cached for the day."""
    today = date.today()
    bars, capped = cache.value(
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


def _results(
    session: Session,
    embedder: EmbedderSource,
    *,
    q: str,
    mode: Mode,
    sort: SortOrder,
    filters: SearchFilters,
    p: int,
) -> SearchResults:
    """One page of hits, highlighted: `run_search`, the API's and the feed's data too."""
    found = run_search(
        session,
        query=q,
        mode=mode,
        filters=filters,
        sort=sort,
        limit=PER_PAGE,
        offset=(min(max(p, 1), MAX_PAGE) - 1) * PER_PAGE,
        embedder=embedder,
        highlight=True,
    )
    return found.results or SearchResults(q, mode, mode, sort, [], 0, PER_PAGE, 0)


@router.get("/search", response_class=HTMLResponse)
def search(
    page: PageDep,
    cache: CacheDep,
    session: SessionDep,
    user: CurrentUser,
    embedder: EmbedderDep,
    q: str = Query(""),
    mode: Mode = "hybrid",
    sort: SortOrder = "relevance",
    category: str = Query("", max_length=64),
    org: str = Query("", max_length=200),
    code: bool = False,
    since: str | None = Query(None, alias="from", max_length=10),
    until: str | None = Query(None, alias="to", max_length=10),
    p: int = Query(1, description="Page; one past the end says which page is the last."),
) -> Response:
    """Kept whole for anonymous readers until the site changes or a paper it lists gets a
    vote (results are ranked by relevance, not votes), and for the day (its chart)."""
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
    if q.strip():
        enforce(page.request, "search")  # every search counts, kept or not
    shown: list[str] = []

    def render() -> Response:
        context["organizations"] = known_organizations(session)
        if not q.strip():
            return page("search.html", {**context, "results": None, "voted": set()})
        problem = query_problem(q)
        if problem:  # the user stays on the page, the query in the box, the reason above
            context.update(results=None, voted=set(), problem=problem)
            return page("search.html", context, status_code=400)
        filters = search_filters(since, until, category, org, code)
        results = _results(session, embedder, q=q, mode=mode, sort=sort, filters=filters, p=p)
        shown.extend(hit.card.key for hit in results.hits)
        return _results_page(page, cache, session, user, context, results, p=p)

    return anonymous_page(
        page.request,
        session,
        ("search",),  # the path and query name the rest
        render,
        ttl=DAY_SECONDS,
        votes=SHOWN_VOTES if q.strip() else NO_VOTES,
        shows=lambda: tuple(shown),
    )


def _results_page(
    page: Page,
    cache: CacheDep,
    session: Session,
    user: User | None,
    context: dict[str, object],
    results: SearchResults,
    *,
    p: int,
) -> Response:
    """The page of `results`, or (404) a page past their end that names the last page."""
    last = max(1, -(-results.total // PER_PAGE))
    if not 1 <= p <= min(last, MAX_PAGE):
        context.update(missing_page=p, last_page=min(last, MAX_PAGE))
    context.update(
        _chart(cache, session, str(context["query"])),
        results=results,
        voted=voted_keys(session, user=user, keys=[h.card.key for h in results.hits]),
        has_next=results.has_next,
    )
    status = 200 if context["missing_page"] is None else 404
    response = page("search.html", context, status_code=status)
    response.headers["X-Search-Mode"] = results.mode
    return response
