"""Password reset by an emailed, signed link that expires and works once.

The token signs the user's id and a fingerprint of the current password hash: when the
password changes (by this link or otherwise) the hash changes, and every older link dies.
The email goes through the mail outbox, so a failing mail server is retried later.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.accounts.passwords import hash_password
from dailypapers.accounts.service import check_password_rules
from dailypapers.mail.caps import under_daily_cap
from dailypapers.mail.outbox import queue_email, site_url
from dailypapers.settings import Settings

RESET_SALT = "dailypapers.accounts.password-reset"
KIND = "password_reset"


class ResetTokenError(ValueError):
    """A reset link that is forged, damaged, expired or already used."""


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def reset_token(secret_key: str, *, user: User) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=RESET_SALT)
    return serializer.dumps([user.id, _fingerprint(user.password_hash)])


def user_for_reset_token(session: Session, *, secret_key: str, token: str, max_age: int) -> User:
    serializer = URLSafeTimedSerializer(secret_key, salt=RESET_SALT)
    try:
        payload = serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ResetTokenError("This password reset link has expired. Ask for a new one.") from exc
    except BadSignature as exc:
        raise ResetTokenError("This password reset link is invalid.") from exc
    match payload:
        case [int(user_id), str(fingerprint)]:
            user = session.get(User, user_id)
            if user is not None and secrets.compare_digest(
                fingerprint, _fingerprint(user.password_hash)
            ):
                return user
            raise ResetTokenError("This password reset link was already used. Ask for a new one.")
    raise ResetTokenError("This password reset link is malformed.")


def set_password(session: Session, *, user: User, new: str) -> None:
    check_password_rules(new, username=user.username, email=user.email)
    user.password_hash = hash_password(new)
    session.flush()


def user_by_email(session: Session, *, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def reset_context(settings: Settings, *, user: User) -> dict[str, object]:
    """The context of the `password_reset` email templates."""
    url = f"{site_url(settings)}/password/reset/{reset_token(settings.secret_key, user=user)}"
    return {
        "site_url": site_url(settings),
        "username": user.username,
        "reset_url": url,
        "minutes": settings.password_reset_minutes,
    }


def queue_reset_email(
    session: Session, settings: Settings, *, user: User, now: datetime
) -> int | None:
    """Put the reset email in the outbox; returns its id (deliver it after the commit), or
    None when the mailbox had its daily share of reset emails already."""
    if not under_daily_cap(session, kind=KIND, to=user.email, now=now):
        return None
    return queue_email(
        session, settings, kind=KIND, to=user.email, context=reset_context(settings, user=user),
        key=f"{KIND}:{now:%Y-%m-%dT%H:%M:%S.%f}", now=now,
    )  # fmt: skip
