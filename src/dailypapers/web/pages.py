"""HTML pages that read: lists by day, week and month, trending, a paper, orgs, authors, users.

Each page renders one query function's result; the JSON API calls the same functions.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from dailypapers.changes.version import period_votes
from dailypapers.charts.svg import sparkline
from dailypapers.community.collections import collections_with_paper, user_collections
from dailypapers.community.comments import paper_comments
from dailypapers.community.votes import upvote_history, vote_state, voted_keys
from dailypapers.papers.bibtex import bibtex
from dailypapers.papers.models import Paper
from dailypapers.papers.periods import Period, PeriodError, PeriodKind, days_ending, parse_period
from dailypapers.papers.queries import (
    PaperCard,
    PaperList,
    Sort,
    author_papers,
    latest_day,
    organization_papers,
    paper_detail,
    period_list,
    user_activity,
)
from dailypapers.search.service import similar_papers
from dailypapers.web.cache import cached_value
from dailypapers.web.deps import CurrentUser, SessionDep, SettingsDep, absolute_base
from dailypapers.web.render import render

router = APIRouter(include_in_schema=False)
PageNumber = Query(1, ge=1, le=10_000, description="Page number.")
ListPage = Query(1, description="Page number; a page past the end says which is the last.")
TRENDING_DAYS = 7


def _cached_list(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    *,
    period: Period | None,
    page: int,
    sort: Sort = "upvotes",
    ttl: float | None = None,
) -> PaperList:
    """The period's list, shared by all visitors until the site or a vote on one of the
    period's papers changes it (or `ttl` passes)."""
    page = min(max(page, 1), 10_001)  # out of range: the page says so, with the last page
    key = ("list", period.label if period else None, sort, page, settings.page_size)
    return cached_value(
        request,
        session,
        key,
        lambda: period_list(
            session, period=period, sort=sort, page=page, per_page=settings.page_size
        ),
        ttl=ttl,
        votes=period_votes(period),
    )


def _list_page(
    request: Request,
    listing: PaperList,
    user: CurrentUser,
    session: SessionDep,
    *,
    asked: int,
    **extra: object,
) -> HTMLResponse:
    """The list, or (404) a page past its end that names the last page and links to it."""
    voted = voted_keys(session, user=user, keys=[c.key for c in listing.cards])
    missing = asked if not 1 <= asked <= listing.pages else None
    context = {"listing": listing, "voted": voted, "missing_page": missing, **extra}
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
        period = _period("day", date)
        return RedirectResponse(f"/papers/date/{period.label}", status_code=303)
    listing = _cached_list(request, session, settings, period=None, page=p)
    return _list_page(request, listing, user, session, asked=p)


def _period(kind: PeriodKind, text: str) -> Period:
    try:
        return parse_period(kind, text)
    except PeriodError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


_SEGMENT_KINDS: dict[str, PeriodKind] = {"date": "day", "week": "week", "month": "month"}


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
    listing = _cached_list(request, session, settings, period=_period(kind, label), page=p)
    return _list_page(request, listing, user, session, asked=p)


@router.get("/papers/trending", response_class=HTMLResponse)
def trending(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    p: int = ListPage,
) -> HTMLResponse:
    """The last week of listings (ending on the newest listed day), by trending score."""
    end = latest_day(session)
    period = days_ending(end, TRENDING_DAYS) if end else None
    listing = _cached_list(
        request, session, settings, period=period, page=p, sort="trending", ttl=300
    )
    return _list_page(
        request, listing, user, session, asked=p, heading="Trending papers", trending=True
    )


@router.get("/papers/{key}", response_class=HTMLResponse)
def paper(request: Request, key: str, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    return paper_page(request, session, user, key=key)


def paper_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    *,
    key: str,
    comment_error: str | None = None,
    draft: str = "",
) -> HTMLResponse:
    """A paper's page; a refused comment comes back beside the form with the reader's text."""
    detail = paper_detail(session, key=key, include_hidden=bool(user and user.is_admin))
    if detail is None:
        raise HTTPException(status_code=404, detail=f"No paper with id {key!r}.")
    context = {
        "detail": detail,
        "vote": vote_state(session, user=user, paper=detail.paper),
        "comments": paper_comments(
            session, paper_id=detail.paper.id, include_hidden=bool(user and user.is_admin)
        ),
        "bibtex": bibtex(detail.paper),
        "sparkline": _sparkline(session, detail.paper),
        "similar": _similar(session, detail.paper.id),
        "my_collections": user_collections(session, user=user) if user else [],
        "in_collections": (
            collections_with_paper(session, user=user, paper_id=detail.paper.id) if user else set()
        ),
        "comment_error": comment_error,
        "draft": draft,
        "saved_to": request.query_params.get("saved"),
        "page_url": f"{absolute_base(request)}/papers/{quote(key, safe='')}",
    }
    return render(request, "paper.html", context, status_code=400 if comment_error else 200)


def _sparkline(session: SessionDep, paper: Paper) -> Markup | None:
    """Upvotes over time, once readers here have voted (imported counts have no history)."""
    history = upvote_history(session, paper=paper)
    if history[-1] == paper.base_upvotes:
        return None
    return sparkline(history, label=f"Upvotes over time: {history[0]} to {history[-1]}")


def _similar(session: SessionDep, paper_id: int) -> list[PaperCard]:
    return [found.card for found in similar_papers(session, paper_id=paper_id, limit=6)]


@router.get("/orgs/{name:path}", response_class=HTMLResponse)  # names may hold a /
def organization(
    request: Request, name: str, session: SessionDep, user: CurrentUser, p: int = PageNumber
) -> HTMLResponse:
    org, cards, total = organization_papers(session, name=name, page=p)
    if org is None:
        raise HTTPException(status_code=404, detail=f"No organization {name!r}.")
    voted = _voted(session, user, cards)
    return render(
        request,
        "org.html",
        {"org": org, "cards": cards, "total": total, "page": p, "voted": voted},
    )


@router.get("/authors/{name:path}", response_class=HTMLResponse)
def author(
    request: Request, name: str, session: SessionDep, user: CurrentUser, p: int = PageNumber
) -> HTMLResponse:
    cards, total = author_papers(session, name=name, page=p)
    if not total:
        raise HTTPException(status_code=404, detail=f"No papers by {name!r}.")
    voted = _voted(session, user, cards)
    return render(
        request,
        "author.html",
        {"name": name, "cards": cards, "total": total, "page": p, "voted": voted},
    )


@router.get("/users/{username}", response_class=HTMLResponse)
def profile(
    request: Request, username: str, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    activity = user_activity(session, username=username)
    if activity is None:
        raise HTTPException(status_code=404, detail=f"No user {username!r}.")
    own = user is not None and user.id == activity.user.id
    collections = user_collections(session, user=activity.user)
    shown = [c for c in collections if own or c.is_public]
    voted = _voted(session, user, [*activity.submitted, *activity.upvoted])
    return render(
        request, "user.html", {"activity": activity, "voted": voted, "collections": shown}
    )


def _voted(session: SessionDep, user: CurrentUser, cards: list[PaperCard]) -> set[str]:
    """The viewer's votes among these cards, so every card shows the viewer's own state."""
    return voted_keys(session, user=user, keys=[card.key for card in cards])
