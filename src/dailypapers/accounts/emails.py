"""The account emails and their contexts: verify the address, "someone signed up with your
address", and "a new API token was created". Each is queued in the outbox (mail/) and
sent after the commit; per-address caps keep them from being used to flood a mailbox."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.accounts.verify import verification_token
from dailypapers.mail.caps import under_daily_cap
from dailypapers.mail.outbox import queue_email, site_url
from dailypapers.settings import Settings

VERIFY = "verify_email"
SIGNUP_EXISTING = "signup_existing"
TOKEN_CREATED = "token_created"  # noqa: S105 (a message kind, not a secret)


def verify_context(settings: Settings, *, user: User, next_path: str = "/") -> dict[str, object]:
    """`next_path`: the local page to open once the address is confirmed."""
    token = verification_token(settings.secret_key, user=user)
    after = f"?next={quote(next_path, safe='/')}" if next_path != "/" else ""
    return {
        "site_url": site_url(settings),
        "username": user.username,
        "verify_url": f"{site_url(settings)}/verify/{token}{after}",
    }


def signup_existing_context(settings: Settings, *, user: User) -> dict[str, object]:
    base = site_url(settings)
    return {
        "site_url": base,
        "username": user.username,
        "login_url": f"{base}/login",
        "forgot_url": f"{base}/password/forgot",
    }


def token_created_context(
    settings: Settings, *, user: User, name: str, now: datetime
) -> dict[str, object]:
    return {
        "site_url": site_url(settings),
        "username": user.username,
        "token_name": name,
        "created_at": f"{now:%Y-%m-%d %H:%M} UTC",
        "settings_url": f"{site_url(settings)}/settings",
    }


def _queue(
    session: Session,
    settings: Settings,
    *,
    kind: str,
    user: User,
    context: dict[str, object],
    now: datetime,
) -> int | None:
    if not under_daily_cap(session, kind=kind, to=user.email, now=now):
        return None
    return queue_email(
        session, settings, kind=kind, to=user.email, context=context,
        key=f"{kind}:{user.id}:{now:%Y-%m-%dT%H:%M:%S.%f}", now=now,
    )  # fmt: skip


def queue_verification(
    session: Session, settings: Settings, *, user: User, now: datetime, next_path: str = "/"
) -> int | None:
    context = verify_context(settings, user=user, next_path=next_path)
    return _queue(session, settings, kind=VERIFY, user=user, context=context, now=now)


def queue_signup_existing(
    session: Session, settings: Settings, *, user: User, now: datetime
) -> int | None:
    context = signup_existing_context(settings, user=user)
    return _queue(session, settings, kind=SIGNUP_EXISTING, user=user, context=context, now=now)


def queue_token_created(
    session: Session, settings: Settings, *, user: User, name: str, now: datetime
) -> int | None:
    """Tell the owner a token was created (if it was not them, changing the password
    revokes it); not capped, since token creation itself is rate-limited."""
    context = token_created_context(settings, user=user, name=name, now=now)
    return queue_email(
        session, settings, kind=TOKEN_CREATED, to=user.email, context=context,
        key=f"{TOKEN_CREATED}:{user.id}:{now:%Y-%m-%dT%H:%M:%S.%f}", now=now,
    )  # fmt: skip
