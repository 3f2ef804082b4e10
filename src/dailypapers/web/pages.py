"""HTML pages: the daily list and a paper. Each renders one query function's result."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from dailypapers.papers.queries import daily_list, paper_detail
from dailypapers.web.deps import SessionDep, SettingsDep, TemplatesDep

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
@router.get("/papers", response_class=HTMLResponse)
def latest(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    p: int = Query(1, ge=1, le=100_000, description="Page number."),
) -> HTMLResponse:
    listing = daily_list(session, page=p, per_page=settings.page_size)
    return templates.TemplateResponse(request, "daily.html", {"listing": listing})


@router.get("/papers/{key}", response_class=HTMLResponse)
def paper(request: Request, key: str, session: SessionDep, templates: TemplatesDep) -> HTMLResponse:
    detail = paper_detail(session, key=key)
    if detail is None:
        raise HTTPException(status_code=404, detail=f"no paper with id {key!r}")
    return templates.TemplateResponse(request, "paper.html", {"detail": detail})
