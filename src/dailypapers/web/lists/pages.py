"""The list pages: /papers (the latest day), a day, a week, a month, and trending."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.papers.periods import PeriodKind
from dailypapers.papers.queries import PaperList, Sort
from dailypapers.settings import Settings
from dailypapers.web.cache import RequestCache
from dailypapers.web.deps import CacheDep, CurrentUser, PageDep, SessionDep, SettingsDep
from dailypapers.web.lists.data import TRENDING, ListOf, list_votes, paper_list, ttl
from dailypapers.web.page_cache import anonymous_page
from dailypapers.web.render import Page
from dailypapers.web.shared import period_or_400, voted

router = APIRouter(include_in_schema=False)
ListPage = Query(1, description="Page number; a page past the end says which is the last.")
# What a list's data holds in memory per card (its paper, authors, organization, links):
# 60 day lists of about 100 cards held 20 MB (tracemalloc, the 75k corpus).
CARD_BYTES = 3_400
_SEGMENT_KINDS: dict[str, PeriodKind] = {"date": "day", "week": "week", "month": "month"}


def _cached_list(
    cache: CacheDep, session: Session, which: ListOf, *, page: int, per_page: int, sort: Sort
) -> PaperList:
    """The list's data, shared by all visitors until the site or a vote on one of its
    papers changes it (or its ttl passes)."""
    page = min(max(page, 1), 10_001)  # out of range: the page says so, with the last page
    key = ("list", which.label, sort, page, per_page)
    return cache.value(
        session,
        key,
        lambda: paper_list(session, which, sort=sort, page=page, per_page=per_page),
        ttl=ttl(which, sort),
        votes=list_votes(which),
        size=lambda listing: CARD_BYTES * (len(listing.cards) + 1),
    )


@dataclass(frozen=True, slots=True)
class _ListDeps:
    """What every list page receives: how to render, the cache, the session, the reader."""

    page: Page
    cache: RequestCache
    session: Session
    settings: Settings
    user: User | None


async def _list_deps(
    page: PageDep, cache: CacheDep, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> _ListDeps:
    return _ListDeps(page, cache, session, settings, user)


Deps = Annotated[_ListDeps, Depends(_list_deps)]


def _list_page(deps: _ListDeps, which: ListOf, *, asked: int, **extra: object) -> Response:
    """The list, or (404) a page past its end that names the last page and links to it."""
    sort: Sort = "trending" if which.trending else "upvotes"
    per_page = deps.settings.page_size

    def render() -> Response:
        listing = _cached_list(
            deps.cache, deps.session, which, page=asked, per_page=per_page, sort=sort
        )
        missing = asked if not 1 <= asked <= listing.pages else None
        context = {
            "listing": listing,
            "voted": voted(deps.session, deps.user, listing.cards),
            "missing_page": missing,
            **extra,
        }
        return deps.page("list.html", context, status_code=200 if missing is None else 404)

    key = ("list", which.label, sort, asked, per_page)
    return anonymous_page(
        deps.page.request,
        deps.session,
        key,
        render,
        ttl=ttl(which, sort),
        votes=list_votes(which),
    )


@router.get("/", response_class=HTMLResponse)
@router.get("/papers", response_class=HTMLResponse)
def latest(
    deps: Deps,
    p: int = ListPage,
    date: str | None = Query(None, description="Jump to this day (the date picker)."),
) -> Response:
    if date:
        period = period_or_400("day", date)
        return RedirectResponse(f"/papers/date/{period.label}", status_code=303)
    return _list_page(deps, ListOf(), asked=p)


@router.get("/papers/date/{label}", response_class=HTMLResponse)
@router.get("/papers/week/{label}", response_class=HTMLResponse)
@router.get("/papers/month/{label}", response_class=HTMLResponse)
def by_period(request: Request, label: str, deps: Deps, p: int = ListPage) -> Response:
    """A day's (2026-02-19), an ISO week's (2026-W08) or a month's (2026-02) papers."""
    kind = _SEGMENT_KINDS[request.url.path.split("/")[2]]
    return _list_page(deps, ListOf(period=period_or_400(kind, label)), asked=p)


@router.get("/papers/trending", response_class=HTMLResponse)
def trending(deps: Deps, p: int = ListPage) -> Response:
    """The last week of listings (ending on the newest listed day), by trending score."""
    return _list_page(deps, TRENDING, asked=p, heading="Trending papers", trending=True)
