"""Submitting an arXiv paper to today's list: the form (/submit) and the API's
`POST /api/daily_papers`, both through `ingest.submit.submit_paper`."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.ingest.submit import Submission, SubmissionError, submit_paper
from dailypapers.settings import Settings
from dailypapers.web.api_schemas import (
    BEARER,
    WRITE_ERRORS,
    ErrorOut,
    PaperListItem,
    SubmitIn,
    list_item,
)
from dailypapers.web.deps import (
    ApiWriter,
    PageDep,
    RequiredUser,
    SessionDep,
    SettingsDep,
    VerifiedUser,
    absolute_base,
)
from dailypapers.web.fetch import arxiv_fetcher
from dailypapers.web.paper.data import paper_listing
from dailypapers.web.ratelimit import enforce
from dailypapers.web.render import PageRefusal
from dailypapers.web.security import verify_csrf

router = APIRouter()
form_router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _submit(session: Session, settings: Settings, user: User, ref: str) -> Submission:
    return submit_paper(
        session,
        user=user,
        arxiv_ref=ref,
        today=date.today(),
        fetch=arxiv_fetcher(settings),
        max_per_day=settings.max_submissions_per_day,
    )


@form_router.get("/submit", response_class=HTMLResponse)
def submit_form(page: PageDep, user: RequiredUser) -> HTMLResponse:
    return page("submit.html", {"error": None, "ref": ""})


@form_router.post("/submit", response_class=HTMLResponse)
def submit(
    request: Request,
    page: PageDep,
    session: SessionDep,
    settings: SettingsDep,
    user: VerifiedUser,
    arxiv: str = Form(..., max_length=300),
) -> Response:
    enforce(request, "submit", client=f"user:{user.id}")
    try:
        done = _submit(session, settings, user, arxiv)
    except SubmissionError as exc:  # nothing of it is kept: the transaction rolls back
        context = {"error": str(exc), "ref": arxiv}
        raise PageRefusal(page, "submit.html", context, status_code=exc.status) from None
    return RedirectResponse(f"/papers/{done.paper.key}", status_code=303)


@router.post(
    "/api/daily_papers",
    response_model=PaperListItem,
    status_code=201,
    tags=["papers"],
    responses={
        **WRITE_ERRORS,
        404: {"model": ErrorOut, "description": "arXiv has no such paper."},
        503: {"model": ErrorOut, "description": "arXiv could not be reached; see Retry-After."},
    },
    summary="Submit an arXiv paper to today's list",
    dependencies=BEARER,
)
def submit_api(
    request: Request, body: SubmitIn, session: SessionDep, settings: SettingsDep, user: ApiWriter
) -> PaperListItem:
    enforce(request, "submit", client=f"user:{user.id}")
    try:
        done = _submit(session, settings, user, body.arxiv)
    except SubmissionError as exc:
        retry = {"Retry-After": "60"} if exc.status == 503 else None
        raise HTTPException(exc.status, str(exc), headers=retry) from None
    return list_item(paper_listing(session, key=done.paper.key), absolute_base(request))


router.include_router(form_router)
