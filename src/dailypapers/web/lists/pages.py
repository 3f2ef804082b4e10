"""The list pages: /papers (the latest day), a day, a week, a month, and trending."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from dailypapers.papers.periods import PeriodKind
from dailypapers.papers.queries import PaperList, Sort
from dailypapers.web.cache import cached_value
from dailypapers.web.deps import CurrentUser, SessionDep, SettingsDep
from dailypapers.web.lists.data import TRENDING, ListOf, list_votes, paper_list, ttl
from dailypapers.web.render import render
from dailypapers.web.shared import period_or_400, voted

router = APIRouter(include_in_schema=False)
ListPage = Query(1, description="Page number; a page past the end says which is the last.")
_SEGMENT_KINDS: dict[str, PeriodKind] = {"date": "day", "week": "week", "month": "month"}


def _cached_list(
    request: Request, session: Session, which: ListOf, *, page: int, per_page: int, sort: Sort
) -> PaperList:
    """The list's data, shared by all visitors until the site or a vote on one of its
    papers changes it (or its ttl passes)."""
    page = min(max(page, 1), 10_001)  # out of range: the page says so, with the last page
    key = ("list", which.label, sort, page, per_page)
    return cached_value(
        request,
        session,
        key,
        lambda: paper_list(session, which, sort=sort, page=page, per_page=per_page),
        ttl=ttl(which, sort),
        votes=list_votes(which),
    )


def _list_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    which: ListOf,
    *,
    asked: int,
    per_page: int,
    **extra: object,
) -> HTMLResponse:
    """The list, or (404) a page past its end that names the last page and links to it."""
    sort: Sort = "trending" if which.trending else "upvotes"
    listing = _cached_list(request, session, which, page=asked, per_page=per_page, sort=sort)
    missing = asked if not 1 <= asked <= listing.pages else None
    context = {
        "listing": listing,
        "voted": voted(session, user, listing.cards),
        "missing_page": missing,
        **extra,
    }
    return render(request, "list.html", context, status_code=200 if missing is None else 404)


@router.get("/", response_class=HTMLResponse)
@router.get("/papers", response_class=HTMLResponse)
def latest(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    p: int = ListPage,
    date: str | None = Query(None, description="Jump to this day (the date picker)."),
) -> Response:
    if date:
        period = period_or_400("day", date)
        return RedirectResponse(f"/papers/date/{period.label}", status_code=303)
    return _list_page(request, session, user, ListOf(), asked=p, per_page=settings.page_size)


@router.get("/papers/date/{label}", response_class=HTMLResponse)
@router.get("/papers/week/{label}", response_class=HTMLResponse)
@router.get("/papers/month/{label}", response_class=HTMLResponse)
def by_period(
    request: Request,
    label: str,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    p: int = ListPage,
) -> HTMLResponse:
    """A day's (2026-02-19), an ISO week's (2026-W08) or a month's (2026-02) papers."""
    kind = _SEGMENT_KINDS[request.url.path.split("/")[2]]
    which = ListOf(period=period_or_400(kind, label))
    return _list_page(request, session, user, which, asked=p, per_page=settings.page_size)


@router.get("/papers/trending", response_class=HTMLResponse)
def trending(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    p: int = ListPage,
) -> HTMLResponse:
    """The last week of listings (ending on the newest listed day), by trending score."""
    return _list_page(
        request,
        session,
        user,
        TRENDING,
        asked=p,
        per_page=settings.page_size,
        heading="Trending papers",
        trending=True,
    )
