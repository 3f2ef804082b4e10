"""Browser sessions: a random token in the cookie, its hash in the database."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import ApiToken, User, UserSession
from dailypapers.db.base import utcnow

SESSION_LIFETIME = timedelta(days=30)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, *, user: User) -> str:
    """A new session for `user`; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=_digest(token), user_id=user.id, expires_at=utcnow() + SESSION_LIFETIME
        )
    )
    session.flush()
    return token


def session_user(session: Session, *, token: str) -> User | None:
    row = session.execute(
        select(User, UserSession.expires_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _digest(token))
    ).first()
    if row is None or row[1] <= utcnow():
        return None
    return row[0]


def end_session(session: Session, *, token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))


def end_all_sessions(session: Session, *, user: User) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def create_api_token(
    session: Session, *, user: User, name: str, expires_at: datetime | None = None
) -> str:
    """A personal API token; the raw value is shown once and only its hash is kept."""
    token = "dp_" + secrets.token_urlsafe(30)
    session.add(
        ApiToken(
            user_id=user.id,
            name=name[:100] or "token",
            token_hash=_digest(token),
            expires_at=expires_at,
        )
    )
    session.flush()
    return token


def api_token_user(session: Session, *, token: str) -> User | None:
    """The user of a token that exists and has not expired; notes when it was last used."""
    now = utcnow()
    row = session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token))
        .where(or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now))
    ).first()
    if row is None:
        return None
    row[1].last_used_at = now
    return row[0]


def revoke_all_api_tokens(session: Session, *, user: User) -> int:
    """Every token of the user dies: after a password change or reset."""
    result = session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    return int(result.rowcount)  # type: ignore[attr-defined]


def end_everything(session: Session, *, user: User) -> None:
    """After the password changed: every session and every API token of the account end."""
    end_all_sessions(session, user=user)
    revoke_all_api_tokens(session, user=user)


def prune_sessions(session: Session, *, now: datetime) -> int:
    """Delete expired sessions; returns how many."""
    result = session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    return int(result.rowcount)  # type: ignore[attr-defined]


def list_api_tokens(session: Session, *, user: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_api_token(session: Session, *, user: User, token_id: int) -> bool:
    result = session.execute(
        delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
