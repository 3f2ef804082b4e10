"""Forgotten passwords: ask for a link by email, then choose a new password through it.

The answer to "send me a link" is the same whether or not the address has an account.
Setting the password ends every session of the account and clears its log-in back-off.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from dailypapers.accounts.lockout import clear_account
from dailypapers.accounts.models import User
from dailypapers.accounts.reset import (
    ResetTokenError,
    queue_reset_email,
    set_password,
    user_by_email,
    user_for_reset_token,
)
from dailypapers.accounts.service import AccountError, checked_email
from dailypapers.accounts.sessions import end_everything
from dailypapers.db.base import utcnow
from dailypapers.mail.caps import fold_address
from dailypapers.settings import Settings
from dailypapers.web.deps import DeliveriesDep, PageDep, SettingsDep
from dailypapers.web.ratelimit import enforce
from dailypapers.web.security import verify_csrf
from dailypapers.web.subscriptions import SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_page(page: PageDep) -> HTMLResponse:
    return page("password/forgot.html", {"sent_to": None, "error": None})


@router.post("/password/forgot", response_class=HTMLResponse)
def forgot(
    request: Request,
    page: PageDep,
    session: SessionDep,
    settings: SettingsDep,
    deliveries: DeliveriesDep,
    email: str = Form(..., max_length=320),
) -> HTMLResponse:
    enforce(request, "password_reset")
    try:
        address = checked_email(email)  # the same check as at sign-up
    except AccountError as exc:
        context = {"sent_to": None, "error": str(exc)}
        return page("password/forgot.html", context, status_code=400)
    enforce(request, "password_reset", client=f"email:{fold_address(address)}")
    account = user_by_email(session, email=address)
    if account is not None:
        outbox_id = queue_reset_email(session, settings, user=account, now=utcnow())
        if outbox_id is not None:  # None: this mailbox's daily cap is reached
            deliveries.after_commit(session, outbox_id)
    sent = {"sent_to": email.strip(), "minutes": settings.password_reset_minutes}
    return page("password/forgot.html", sent)


@router.get("/password/reset/{token}", response_class=HTMLResponse)
def reset_page(
    page: PageDep, token: str, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    try:
        _account(session, settings, token)
    except ResetTokenError as exc:
        context = {"token": None, "error": str(exc)}
        return page("password/reset.html", context, status_code=400)
    return page("password/reset.html", {"token": token, "error": None})


@router.post("/password/reset/{token}", response_class=HTMLResponse)
def reset(
    page: PageDep,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    password: str = Form(..., max_length=1024),
) -> HTMLResponse:
    try:
        account = _account(session, settings, token)
        set_password(session, user=account, new=password)
    except (ResetTokenError, AccountError) as exc:
        keep = token if isinstance(exc, AccountError) else None
        context = {"token": keep, "error": str(exc)}
        return page("password/reset.html", context, status_code=400)
    end_everything(session, user=account)
    clear_account(session, user=account)
    message = "Password changed. Every session was signed out and every API token revoked."
    done = {"token": None, "done": True, "error": None, "message": message}
    return page("password/reset.html", done)


def _account(session: Session, settings: Settings, token: str) -> User:
    max_age = settings.password_reset_minutes * 60
    return user_for_reset_token(
        session, secret_key=settings.secret_key, token=token, max_age=max_age
    )
