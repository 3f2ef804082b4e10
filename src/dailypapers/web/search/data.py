"""Which papers a search returns: `run_search` is the one data function that the search
page, the search API and the search feed render.

The search feature's `search_papers` does the work (keyword, semantic or hybrid, with the
page's filters and sorts); an empty query gives the latest list instead, so
`list_papers()` without a query shows something.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, HTTPException, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.papers.models import Organization
from dailypapers.papers.periods import Period
from dailypapers.papers.queries import PaperCard, period_list
from dailypapers.search.embedder import EmbedderSource
from dailypapers.search.service import (
    Mode,
    SearchFilters,
    SearchResults,
    SortOrder,
    search_papers,
)
from dailypapers.search.text import parse_query


@dataclass(frozen=True, slots=True)
class Found:
    cards: list[PaperCard]
    period: Period | None  # the list shown for an empty query
    mode: Mode | None  # the mode that ran (hybrid falls back to keyword without a model)
    total: int | None = None  # papers that match (see SearchResults.total)
    total_exact: bool = True
    results: SearchResults | None = None  # the search's own answer (hits, highlights)


def run_search(
    session: Session,
    *,
    query: str,
    limit: int,
    embedder: EmbedderSource,
    mode: Mode = "hybrid",
    filters: SearchFilters | None = None,
    sort: SortOrder = "relevance",
    offset: int = 0,
    highlight: bool = False,
) -> Found:
    """The best `limit` papers for `query` (after `offset`); the latest list when the query
    is empty."""
    if not query:
        listing = period_list(session, per_page=limit)
        return Found(listing.cards, listing.period, None)
    if not parse_query(query).terms:  # symbols only: nothing can match
        return Found([], None, None, total=0)
    results = search_papers(
        session,
        query=query,
        mode=mode,
        filters=filters,
        sort=sort,
        limit=limit,
        offset=offset,
        highlight=highlight,
        embedder=embedder,
    )
    cards = [hit.card for hit in results.hits]
    return Found(cards, None, results.mode, results.total, results.total_exact, results)


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(
            status_code=400, detail=f"{name}: {value!r} is not a date (YYYY-MM-DD)"
        ) from None


def search_filters(
    since: str | None, until: str | None, category: str, org: str, code: bool
) -> SearchFilters:
    """The page's filters (`from`, `to`, `category`, `org`, `code`); 400 names a bad date."""
    return SearchFilters(
        published_from=_date(since, "from"),
        published_to=_date(until, "to"),
        category=category or None,
        organization=org or None,
        has_code=True if code else None,
    )


async def filter_params(
    category: str = Query("", max_length=64, description="Only this arXiv category."),
    org: str = Query("", max_length=200, description="Only this organization's papers."),
    code: bool = Query(False, description="Only papers with a code repository."),
    since: str | None = Query(
        None, alias="from", max_length=10, description="Published on or after (YYYY-MM-DD)."
    ),
    until: str | None = Query(
        None, alias="to", max_length=10, description="Published on or before (YYYY-MM-DD)."
    ),
) -> SearchFilters:
    """The search page's filters, for the API and the feed (the same names and rules)."""
    return search_filters(since, until, category, org, code)


FiltersDep = Annotated[SearchFilters, Depends(filter_params)]
MAX_QUERY = 500  # characters


def query_problem(query: str) -> str | None:
    """Why a search cannot run: too long, or without any letter or digit (only quotes,
    operators, brackets...). None when it can.

    Query syntax is never passed to the index: a search that holds words is run on its
    words (and "quoted phrases") alone, so `"attention*` finds attention.
    """
    if len(query) > MAX_QUERY:
        return f"The search is {len(query):,} characters long; at most {MAX_QUERY} are read."
    if query.strip() and not parse_query(query).terms:
        return (
            f"The search {query!r} has no words to look for: it needs letters or "
            "digits (quotes, *, :, -, NEAR, AND, brackets and the like are ignored)."
        )
    return None


def require_words(query: str) -> None:
    """400 with the reason for a query the API's schema refuses (the API and feeds).

    The schema (`web/contract.py`'s SEARCH pattern) refuses a query of ASCII punctuation only
    (`(((`); a query with no letter or digit that holds other symbols (`©`, `→`) is
    schema-valid, because no pattern read alike by ECMA and Python can say "a Unicode letter
    or digit": it is searched and matches nothing (an empty list, 200). The search page
    explains both.
    """
    problem = query_problem(query)
    if problem and (len(query) > MAX_QUERY or query.isascii()):
        raise HTTPException(status_code=400, detail=problem)


def known_organizations(session: Session, limit: int = 500) -> list[tuple[str, str]]:
    """(handle, display name) of organizations, for the search page's suggestions."""
    rows = session.execute(
        select(Organization.name, Organization.full_name).order_by(Organization.name).limit(limit)
    )
    return [(name, full or name) for name, full in rows]
