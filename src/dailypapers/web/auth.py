"""Sign-up, log-in, log-out and account settings (password, API tokens)."""

from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from dailypapers.accounts.lockout import clear_failures, record_failure, seconds_locked
from dailypapers.accounts.models import User
from dailypapers.accounts.service import AccountError, authenticate, change_password, create_user
from dailypapers.accounts.sessions import (
    create_api_token,
    end_all_sessions,
    end_session,
    list_api_tokens,
    revoke_api_token,
    start_session,
)
from dailypapers.community.votes import set_upvote
from dailypapers.db.base import utcnow
from dailypapers.papers.models import Paper
from dailypapers.web.deps import CurrentUser, RequiredUser, RowId, SessionDep
from dailypapers.web.ratelimit import enforce
from dailypapers.web.render import render
from dailypapers.web.security import (
    SESSION_COOKIE,
    bind_csrf_to_session,
    cookie_name,
    cookie_options,
    verify_csrf,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def safe_next(target: str | None) -> str:
    """Only local paths: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def refuse_while_locked(session: SessionDep, *, login: str) -> None:
    """429 while failed log-ins lock this name (see accounts/lockout.py)."""
    wait = math.ceil(seconds_locked(session, login=login, now=utcnow()))
    if wait > 0:
        raise HTTPException(
            status_code=429,
            detail=f"Too many failed log-ins for this account. Try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )


def _signed_in(request: Request, response: Response, token: str) -> Response:
    name = cookie_name(request, SESSION_COOKIE)
    response.set_cookie(name, token, max_age=60 * 60 * 24 * 30, **cookie_options(request))
    return response


def _form_page(
    request: Request, template: str, user: CurrentUser, context: dict[str, object]
) -> HTMLResponse:
    """A log-in or sign-up form, or "You are signed in as ..." for a signed-in reader.

    Never stored by the browser: Back after logging in asks again and gets the signed-in text.
    """
    if user is not None:
        template = "signed_in.html"
    response = render(request, template, context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _apply_vote(session: SessionDep, user: User, key: str) -> None:
    """The upvote that sent a reader to log in, applied once they have."""
    paper = session.scalar(select(Paper).where(Paper.key == key)) if key else None
    if paper is not None:
        set_upvote(session, user=user, paper=paper, voted=True)


@router.get("/signup", response_class=HTMLResponse)
def signup_form(
    request: Request, user: CurrentUser, next: str = "/", vote: str = ""
) -> HTMLResponse:
    context: dict[str, object] = {
        "next": safe_next(next),
        "error": None,
        "form": {},
        "vote": vote[:64],
    }
    return _form_page(request, "signup.html", user, context)


@router.post("/signup", response_class=HTMLResponse)
def signup(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    email: str = Form(..., max_length=320),
    username: str = Form(..., max_length=64),
    password: str = Form(..., max_length=1024),
    next: str = Form("/"),
    vote: str = Form("", max_length=64),
) -> Response:
    enforce(request, "signup")
    try:
        created = create_user(session, email=email, username=username, password=password)
    except AccountError as exc:
        form = {"email": email, "username": username}
        context = {"next": safe_next(next), "error": str(exc), "form": form, "vote": vote}
        return render(request, "signup.html", context, status_code=400)
    _apply_vote(session, created, vote)
    token = start_session(session, user=created)
    return _signed_in(request, RedirectResponse(safe_next(next), status_code=303), token)


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, user: CurrentUser, next: str = "/", vote: str = ""
) -> HTMLResponse:
    context: dict[str, object] = {
        "next": safe_next(next),
        "error": None,
        "login": "",
        "vote": vote[:64],
    }
    return _form_page(request, "login.html", user, context)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    login: str = Form(..., max_length=320),
    password: str = Form(..., max_length=1024),
    next: str = Form("/"),
    vote: str = Form("", max_length=64),
) -> Response:
    enforce(request, "login")
    refuse_while_locked(session, login=login)
    found = authenticate(session, login=login, password=password)
    if found is None:
        record_failure(session, login=login, now=utcnow())
        error = "Wrong username or password."
        context = {"next": safe_next(next), "error": error, "login": login, "vote": vote}
        return render(request, "login.html", context, status_code=401)
    clear_failures(session, login=login)
    _apply_vote(session, found, vote)
    old = request.cookies.get(cookie_name(request, SESSION_COOKIE))
    if old:
        end_session(session, token=old)  # a new session id at every log-in
    token = start_session(session, user=found)
    return _signed_in(request, RedirectResponse(safe_next(next), status_code=303), token)


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    name = cookie_name(request, SESSION_COOKIE)
    token = request.cookies.get(name)
    if token:
        end_session(session, token=token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(name, **cookie_options(request))  # __Host- needs Secure here too
    return response


def _settings_page(
    request: Request, session: SessionDep, user: RequiredUser, **extra: object
) -> HTMLResponse:
    context: dict[str, object] = {
        "tokens": list_api_tokens(session, user=user),
        "message": None,
        "error": None,
        "new_token": None,
    }
    context.update(extra)
    status = 400 if context["error"] else 200
    return render(request, "settings.html", context, status_code=status)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, session: SessionDep, user: RequiredUser) -> HTMLResponse:
    return _settings_page(request, session, user)


@router.post("/settings/password", response_class=HTMLResponse)
def password(
    request: Request,
    session: SessionDep,
    user: RequiredUser,
    current: str = Form(..., max_length=1024),
    new: str = Form(..., max_length=1024),
) -> Response:
    enforce(request, "login", client=f"user:{user.id}")
    try:
        change_password(session, user=user, current=current, new=new)
    except AccountError as exc:
        return _settings_page(request, session, user, error=str(exc))
    end_all_sessions(session, user=user)
    token = start_session(session, user=user)
    bind_csrf_to_session(request, token)  # the page's forms belong to the new session
    response = _settings_page(request, session, user, message="Password changed.")
    return _signed_in(request, response, token)


@router.post("/settings/tokens", response_class=HTMLResponse)
def new_token(
    request: Request,
    session: SessionDep,
    user: RequiredUser,
    name: str = Form("token", max_length=100),
) -> HTMLResponse:
    token = create_api_token(session, user=user, name=name.strip() or "token")
    return _settings_page(
        request,
        session,
        user,
        new_token=token,
        message="Token created: copy it now, it is shown once.",
    )


@router.post("/settings/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(
    request: Request, token_id: RowId, session: SessionDep, user: RequiredUser
) -> HTMLResponse:
    if not revoke_api_token(session, user=user, token_id=token_id):
        raise HTTPException(status_code=404, detail="You have no such token.")
    return _settings_page(request, session, user, message="Token revoked.")
