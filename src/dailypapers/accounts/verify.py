"""Proving an email address at sign-up: a signed link that expires after 7 days.

The token signs the user's id and a fingerprint of the address, so it stops working if the
row is gone or the address differs. Using it twice is harmless.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User

VERIFY_SALT = "dailypapers.accounts.verify-email"
VERIFY_MAX_AGE_SECONDS = 7 * 24 * 3600


class VerificationError(ValueError):
    """A verification link that is forged, damaged, expired or for another address."""


def _fingerprint(email: str) -> str:
    return hashlib.sha256(email.casefold().encode()).hexdigest()[:16]


def verification_token(secret_key: str, *, user: User) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=VERIFY_SALT)
    return serializer.dumps([user.id, _fingerprint(user.email)])


def user_for_verification(session: Session, *, secret_key: str, token: str) -> User:
    serializer = URLSafeTimedSerializer(secret_key, salt=VERIFY_SALT)
    try:
        payload = serializer.loads(token, max_age=VERIFY_MAX_AGE_SECONDS)
    except SignatureExpired as exc:
        raise VerificationError(
            "This link has expired. Log in and ask for a new one on the settings page."
        ) from exc
    except BadSignature as exc:
        raise VerificationError("This verification link is invalid.") from exc
    match payload:
        case [int(user_id), str(fingerprint)]:
            user = session.get(User, user_id)
            if user is not None and _fingerprint(user.email) == fingerprint:
                return user
    raise VerificationError("This verification link is not for an account here.")


def mark_verified(session: Session, *, user: User, now: datetime) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = now
        session.flush()
