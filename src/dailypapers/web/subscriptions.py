"""Digest subscriptions on the web: subscribe, confirm, manage, unsubscribe, admin preview.

The signed token in a link authorizes what it is for. The one-click unsubscribe POST
(RFC 8058) carries no CSRF token: mail clients send it, and the token in its URL is the
proof; the other forms check the CSRF token as every form of the site does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from dailypapers.db.base import utcnow
from dailypapers.digest.links import Links
from dailypapers.digest.models import Subscription
from dailypapers.digest.preview import DigestPreview, preview_digest
from dailypapers.digest.subscriptions import (
    SubscriptionError,
    confirm,
    subscribe,
    subscription_for_token,
    unsubscribe,
    update_subscription,
)
from dailypapers.digest.tokens import BadTokenError
from dailypapers.digest.topics import TopicError, parse_topics, topic_lines
from dailypapers.settings import Settings
from dailypapers.web.deps import AdminUser, CurrentUser, DeliveriesDep, PageDep, SettingsDep
from dailypapers.web.ratelimit import enforce
from dailypapers.web.render import Page
from dailypapers.web.security import verify_csrf

router = APIRouter(include_in_schema=False)


def _session_committed_before_the_response(request: Request) -> Iterator[Session]:
    """Like SessionDep, but committed when the route returns, before the answer is sent:
    a mail client told "200" for a one-click unsubscribe must be able to rely on it."""
    with request.app.state.sessions() as session, session.begin():
        yield session


SessionDep = Annotated[Session, Depends(_session_committed_before_the_response, scope="function")]
CSRF = [Depends(verify_csrf)]
FREQUENCY = Form("daily", pattern="^(daily|weekly)$")


def _by_token(
    session: SessionDep, settings: Settings, token: str, *, stale_ok: bool = False
) -> Subscription:
    try:
        return subscription_for_token(session, settings, token=token, stale_ok=stale_ok)
    except BadTokenError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_page(
    page: PageDep,
    email: str = Query("", max_length=320, description="Fills in the address (list pages)."),
    frequency: str = Query("daily", max_length=16, description="daily or weekly"),
) -> HTMLResponse:
    """The form; list pages send anonymous readers here with their address to confirm."""
    context = {"error": None, "sent_to": None, "email": email, "frequency": frequency}
    return page("subscriptions/subscribe.html", context)


@router.post("/subscribe", response_class=HTMLResponse, dependencies=CSRF)
def subscribe_form(
    request: Request,
    page: PageDep,
    session: SessionDep,
    settings: SettingsDep,
    deliveries: DeliveriesDep,
    user: CurrentUser,
    email: str = Form(..., max_length=320),
    frequency: str = FREQUENCY,
) -> HTMLResponse:
    enforce(request, "subscribe")
    try:
        result = subscribe(session, settings, email=email, frequency=frequency, now=utcnow())
    except SubscriptionError as exc:
        context = {"error": str(exc), "sent_to": None}
        return page("subscriptions/subscribe.html", context, status_code=400)
    if user is not None and user.email.casefold() == result.subscription.email.casefold():
        result.subscription.user_id = user.id
    if result.outbox_id is not None:
        deliveries.after_commit(session, result.outbox_id)
    context = {
        "error": None,
        "sent_to": result.subscription.email,
        "frequency": result.subscription.frequency,
    }
    return page("subscriptions/subscribe.html", context)


@router.get("/subscribe/confirm/{token}", response_class=HTMLResponse)
def confirm_page(page: PageDep, token: str) -> HTMLResponse:
    return page("subscriptions/confirm.html", {"token": token, "links": None})


@router.post("/subscribe/confirm/{token}", response_class=HTMLResponse, dependencies=CSRF)
def confirm_form(
    page: PageDep, token: str, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    try:
        subscription = confirm(session, settings, token=token, now=utcnow())
    except BadTokenError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    context = {
        "token": token,
        "links": Links.of(settings, subscription),
        "subscription": subscription,
    }
    return page("subscriptions/confirm.html", context)


def _manage(page: Page, subscription: Subscription, token: str, **extra: object) -> HTMLResponse:
    context: dict[str, object] = {
        "subscription": subscription,
        "token": token,
        "topics": "\n".join(topic_lines(subscription.topics)),
        "message": None,
        "error": None,
    }
    context.update(extra)
    return page("subscriptions/manage.html", context, status_code=400 if context["error"] else 200)


@router.get("/subscriptions/{token}", response_class=HTMLResponse)
def manage_page(
    page: PageDep, token: str, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    return _manage(page, _by_token(session, settings, token), token)


@router.post("/subscriptions/{token}", response_class=HTMLResponse, dependencies=CSRF)
def manage_form(
    page: PageDep,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    frequency: str = FREQUENCY,
    topics: str = Form("", max_length=5000),
) -> HTMLResponse:
    subscription = _by_token(session, settings, token)
    try:
        parsed = parse_topics(topics.splitlines())
    except TopicError as exc:
        return _manage(page, subscription, token, topics=topics, error=str(exc))
    update_subscription(session, subscription, frequency=frequency, topics=parsed, now=utcnow())
    return _manage(page, subscription, token, message="Saved.")


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(
    page: PageDep, token: str, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    subscription = _by_token(session, settings, token, stale_ok=True)
    context = {"subscription": subscription, "token": token, "done": False}
    return page("subscriptions/unsubscribe.html", context)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_now(
    page: PageDep, token: str, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """The RFC 8058 one-click target, and the button of the page above."""
    subscription = unsubscribe(session, _by_token(session, settings, token, stale_ok=True))
    context = {"subscription": subscription, "token": token, "done": True}
    return page("subscriptions/unsubscribe.html", context)


@router.get("/admin/digest/preview", response_class=HTMLResponse)
def admin_preview(
    page: PageDep,
    session: SessionDep,
    settings: SettingsDep,
    user: AdminUser,
    email: str = Query(..., max_length=320),
    day: date | None = Query(None, alias="date"),
) -> HTMLResponse:
    preview = _preview(session, settings, email, day)
    return page("subscriptions/preview.html", {"preview": preview, "date": day})


@router.get("/admin/digest/preview.html")
def admin_preview_html(
    session: SessionDep,
    settings: SettingsDep,
    user: AdminUser,
    email: str = Query(..., max_length=320),
    day: date | None = Query(None, alias="date"),
) -> Response:
    """The email's HTML part alone, framed by the preview page; its styles are inline."""
    preview = _preview(session, settings, email, day)
    headers = {
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
        "img-src https: data:; frame-ancestors 'self'",
        "X-Frame-Options": "SAMEORIGIN",
    }
    return HTMLResponse(preview.email.html, headers=headers)


def _preview(
    session: SessionDep, settings: Settings, email: str, day: date | None
) -> DigestPreview:
    try:
        preview = preview_digest(session, settings, email=email, today=day or utcnow().date())
    except SubscriptionError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    if preview is None:
        raise HTTPException(status_code=404, detail=f"no subscription for {email!r}")
    return preview
