"""Sign-up, log-in, log-out and account settings (password, API tokens)."""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from dailypapers.accounts.emails import queue_token_created
from dailypapers.accounts.lockout import (
    account_of,
    clear_failures,
    failure_key,
    record_failure,
    seconds_locked,
    slowdown,
)
from dailypapers.accounts.models import User
from dailypapers.accounts.service import AccountError, authenticate, change_password
from dailypapers.accounts.sessions import (
    create_api_token,
    end_everything,
    end_session,
    list_api_tokens,
    revoke_api_token,
    start_session,
)
from dailypapers.accounts.signup import register
from dailypapers.community.votes import set_upvote
from dailypapers.db.base import utcnow
from dailypapers.papers.lookup import find_paper
from dailypapers.web.deps import (
    CurrentUser,
    DeliveriesDep,
    PageDep,
    RequiredUser,
    RowId,
    SessionDep,
    SettingsDep,
    VerifiedUser,
)
from dailypapers.web.ratelimit import client_key, enforce
from dailypapers.web.render import Page
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


def refuse_while_locked(session: SessionDep, *, account: str, client: str) -> None:
    """429 while failed log-ins from this address lock this account (accounts/lockout.py)."""
    key = failure_key(account, client)
    wait = math.ceil(seconds_locked(session, key=key, now=utcnow()))
    if wait > 0:
        raise HTTPException(
            status_code=429,
            detail=f"Too many failed log-ins for this account. Try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )


def pause(seconds: float) -> None:
    """Slow a log-in down (a stand-in for tests to record, rather than time, the wait)."""
    if seconds > 0:
        time.sleep(seconds)


def signed_in(request: Request, response: Response, token: str) -> Response:
    name = cookie_name(request, SESSION_COOKIE)
    response.set_cookie(name, token, max_age=60 * 60 * 24 * 30, **cookie_options(request))
    return response


def _form_page(
    page: Page, template: str, user: User | None, context: dict[str, object]
) -> HTMLResponse:
    """A log-in or sign-up form, or "You are signed in as ..." for a signed-in reader.

    Never stored by the browser: Back after logging in asks again and gets the signed-in text.
    """
    if user is not None:
        template = "signed_in.html"
    response = page(template, context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _apply_vote(session: SessionDep, user: User, key: str) -> None:
    """The upvote that sent a reader to log in, applied once they have."""
    paper = find_paper(session, key=key) if key else None  # a hidden paper takes no vote
    if paper is not None:
        set_upvote(session, user=user, paper=paper, voted=True)


@router.get("/signup", response_class=HTMLResponse)
def signup_form(page: PageDep, user: CurrentUser, next: str = "/", vote: str = "") -> HTMLResponse:
    context: dict[str, object] = {
        "next": safe_next(next),
        "error": None,
        "form": {},
        "vote": vote[:64],
    }
    return _form_page(page, "signup.html", user, context)


@router.post("/signup", response_class=HTMLResponse)
def signup(
    request: Request,
    page: PageDep,
    session: SessionDep,
    settings: SettingsDep,
    deliveries: DeliveriesDep,
    email: str = Form(..., max_length=320),
    username: str = Form(..., max_length=64),
    password: str = Form(..., max_length=1024),
    next: str = Form("/"),
    vote: str = Form("", max_length=64),
) -> Response:
    enforce(request, "signup")
    try:
        outbox_id, created = register(
            session, settings, email=email, username=username, password=password, now=utcnow(),
            next_path=safe_next(next),
        )  # fmt: skip
    except AccountError as exc:
        form = {"email": email, "username": username}
        context = {"next": safe_next(next), "error": str(exc), "form": form, "vote": vote}
        return page("signup.html", context, status_code=400)
    if created is not None:
        _apply_vote(session, created, vote)  # voting needs no confirmed address
    if outbox_id is not None:
        deliveries.after_commit(session, outbox_id)
    sent: dict[str, Any] = {"next": "/", "error": None, "form": {}, "vote": ""}
    sent["sent_to"] = email.strip()
    return page("signup.html", sent)  # the same whether the address was taken


@router.get("/login", response_class=HTMLResponse)
def login_form(page: PageDep, user: CurrentUser, next: str = "/", vote: str = "") -> HTMLResponse:
    context: dict[str, object] = {
        "next": safe_next(next),
        "error": None,
        "login": "",
        "vote": vote[:64],
    }
    return _form_page(page, "login.html", user, context)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    page: PageDep,
    session: SessionDep,
    login: str = Form(..., max_length=320),
    password: str = Form(..., max_length=1024),
    next: str = Form("/"),
    vote: str = Form("", max_length=64),
) -> Response:
    enforce(request, "login")
    account, client = account_of(session, login=login), client_key(request)
    refuse_while_locked(session, account=account, client=client)
    pause(slowdown(session, account=account, now=utcnow()))  # many addresses guessing
    found = authenticate(session, login=login, password=password)
    if found is None:
        record_failure(session, account=account, client=client, now=utcnow())
        error = "Wrong username or password."
        context = {"next": safe_next(next), "error": error, "login": login, "vote": vote}
        return page("login.html", context, status_code=401)
    clear_failures(session, account=account, client=client)
    _apply_vote(session, found, vote)
    old = request.cookies.get(cookie_name(request, SESSION_COOKIE))
    if old:
        end_session(session, token=old)  # a new session id at every log-in
    token = start_session(session, user=found)
    return signed_in(request, RedirectResponse(safe_next(next), status_code=303), token)


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    name = cookie_name(request, SESSION_COOKIE)
    token = request.cookies.get(name)
    if token:
        end_session(session, token=token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(name, **cookie_options(request))  # __Host- needs Secure here too
    return response


def _settings_page(page: Page, session: Session, user: User, **extra: object) -> HTMLResponse:
    context: dict[str, object] = {
        "tokens": list_api_tokens(session, user=user),
        "message": None,
        "error": None,
        "new_token": None,
    }
    context.update(extra)
    status = 400 if context["error"] else 200
    return page("settings.html", context, status_code=status)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(
    page: PageDep, session: SessionDep, user: RequiredUser, sent: str = ""
) -> HTMLResponse:
    message = "We sent the confirmation link again." if sent == "verify" else None
    return _settings_page(page, session, user, message=message)


@router.post("/settings/password", response_class=HTMLResponse)
def password(
    request: Request,
    page: PageDep,
    session: SessionDep,
    user: RequiredUser,
    current: str = Form(..., max_length=1024),
    new: str = Form(..., max_length=1024),
) -> Response:
    enforce(request, "login", client=f"user:{user.id}")
    try:
        change_password(session, user=user, current=current, new=new)
    except AccountError as exc:
        return _settings_page(page, session, user, error=str(exc))
    end_everything(session, user=user)
    token = start_session(session, user=user)
    bind_csrf_to_session(request, token)  # the page's forms belong to the new session
    message = "Password changed. Your other sessions were signed out and your API tokens revoked."
    response = _settings_page(page, session, user, message=message)
    return signed_in(request, response, token)


@router.post("/settings/tokens", response_class=HTMLResponse)
def new_token(
    request: Request,
    page: PageDep,
    session: SessionDep,
    settings: SettingsDep,
    deliveries: DeliveriesDep,
    user: VerifiedUser,
    name: str = Form("token", max_length=100),
    expires_days: int = Form(0, ge=0, le=3650),
) -> HTMLResponse:
    enforce(request, "token", client=f"user:{user.id}")
    now, name = utcnow(), name.strip() or "token"
    expires_at = now + timedelta(days=expires_days) if expires_days else None
    token = create_api_token(session, user=user, name=name, expires_at=expires_at)
    outbox_id = queue_token_created(session, settings, user=user, name=name, now=now)
    if outbox_id is not None:
        deliveries.after_commit(session, outbox_id)
    return _settings_page(
        page,
        session,
        user,
        new_token=token,
        message="Token created: copy it now, it is shown once.",
    )


@router.post("/settings/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(
    page: PageDep, token_id: RowId, session: SessionDep, user: RequiredUser
) -> HTMLResponse:
    if not revoke_api_token(session, user=user, token_id=token_id):
        raise HTTPException(status_code=404, detail="You have no such token.")
    return _settings_page(page, session, user, message="Token revoked.")
