"""Confirming the address of a new account by its emailed link, and sending the link again.

The link opens a page with a button (a GET changes nothing); the POST marks the address
verified and signs the browser in.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers.accounts.emails import queue_verification
from dailypapers.accounts.sessions import start_session
from dailypapers.accounts.verify import VerificationError, mark_verified, user_for_verification
from dailypapers.db.base import utcnow
from dailypapers.web.account.auth import safe_next, signed_in
from dailypapers.web.deps import DeliveriesDep, PageDep, RequiredUser, SessionDep, SettingsDep
from dailypapers.web.ratelimit import enforce
from dailypapers.web.security import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
PAGE = "account/verify.html"


@router.get("/verify/{token}", response_class=HTMLResponse)
def verify_page(
    page: PageDep,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    next: str = "/",
) -> HTMLResponse:
    try:
        user_for_verification(session, secret_key=settings.secret_key, token=token)
    except VerificationError as exc:
        return page(PAGE, {"token": None, "error": str(exc)}, status_code=400)
    return page(PAGE, {"token": token, "error": None, "next": safe_next(next)})


@router.post("/verify/{token}", response_class=HTMLResponse)
def verify(
    request: Request,
    page: PageDep,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    next: str = Form("/"),
) -> Response:
    try:
        account = user_for_verification(session, secret_key=settings.secret_key, token=token)
    except VerificationError as exc:
        return page(PAGE, {"token": None, "error": str(exc)}, status_code=400)
    mark_verified(session, user=account, now=utcnow())
    session_token = start_session(session, user=account)
    target = RedirectResponse(safe_next(next), status_code=303)
    return signed_in(request, target, session_token)


@router.post("/settings/verify", response_class=HTMLResponse)
def resend(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    deliveries: DeliveriesDep,
    user: RequiredUser,
) -> Response:
    enforce(request, "verify_email", client=f"user:{user.id}")
    if not user.is_verified:
        outbox_id = queue_verification(session, settings, user=user, now=utcnow())
        if outbox_id is not None:
            deliveries.after_commit(session, outbox_id)
    return RedirectResponse("/settings?sent=verify", status_code=303)
