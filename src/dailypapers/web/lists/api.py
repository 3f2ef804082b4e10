"""GET /api/daily_papers: a list as Hugging Face's paper API answers it (the list's JSON twin)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from sqlalchemy.orm import Session

from dailypapers.papers.periods import Period, PeriodKind
from dailypapers.papers.queries import Sort
from dailypapers.web.api_schemas import API_ERRORS, PaperListItem, json_list
from dailypapers.web.deps import CacheDep, absolute_base
from dailypapers.web.kept_answers import Rendered
from dailypapers.web.lists.data import ListOf, list_votes, listed, paper_list, ttl
from dailypapers.web.shared import period_or_400

router = APIRouter(tags=["papers"])
ApiSort = Literal["publishedAt", "trending"]
SORTS: dict[str, Sort] = {"publishedAt": "published", "trending": "trending"}


def requested_period(day: str | None, week: str | None, month: str | None) -> Period | None:
    """The one period asked for (None: the latest listed day); 400 names a bad value."""
    asked: list[tuple[PeriodKind, str | None]] = [("day", day), ("week", week), ("month", month)]
    given = [
        (kind, text)
        for kind, text in asked
        if text is not None  # an empty `date=` is a bad day, as the schema's pattern says
    ]
    if len(given) > 1:
        raise HTTPException(400, "Give only one of date, week and month.")
    return period_or_400(*given[0]) if given else None


@router.get(
    "/api/daily_papers",
    response_model=list[PaperListItem],
    responses=API_ERRORS,
    summary="Papers listed on a day, in a week or in a month",
)
async def daily_papers(
    request: Request,
    cache: CacheDep,
    date: str | None = Query(None, description="A day, YYYY-MM-DD (default: the latest)."),
    week: str | None = Query(None, description="An ISO week, YYYY-Www."),
    month: str | None = Query(None, description="A month, YYYY-MM."),
    submitter: str | None = Query(None, max_length=200, description="Only this submitter's."),
    sort: ApiSort = Query("publishedAt", description="Newest first, or by trending score."),
    p: int = Query(0, ge=0, le=10_000, description="Page number, from 0."),
    limit: int = Query(50, ge=1, le=100, description="Papers per page."),
) -> Response:
    which = ListOf(period=requested_period(date, week, month))
    base_url = absolute_base(request)
    key = ("daily", which.label, submitter, sort, p, limit, base_url)

    def render(session: Session) -> Rendered:
        found = paper_list(
            session, which, sort=SORTS[sort], submitter=submitter, page=p + 1, per_page=limit
        )
        return json_list(listed(session, found), base_url)

    expiry = ttl(which, SORTS[sort])
    return await cache.serve(key, render, ttl=expiry, votes=list_votes(which))
