"""Signed links: a confirmation token (expires) and a manage token (does not).

Each token names a subscription id and a fingerprint of its email address, so a token stops
working when the address changes or the row is gone and its id reused.
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

CONFIRM_SALT = "dailypapers.digest.confirm"
MANAGE_SALT = "dailypapers.digest.manage"
CONFIRM_MAX_AGE_SECONDS = 7 * 24 * 3600


class BadTokenError(ValueError):
    """A link that is forged, damaged, expired or for another address."""


def fingerprint(email: str) -> str:
    return hashlib.sha256(email.casefold().encode()).hexdigest()[:16]


def confirm_token(secret_key: str, *, subscription_id: int, email: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT).dumps(
        [subscription_id, fingerprint(email)]
    )


def manage_token(secret_key: str, *, subscription_id: int, email: str, version: int = 0) -> str:
    """`version`: the subscription's link version, raised on unsubscribe (older links die)."""
    return URLSafeSerializer(secret_key, salt=MANAGE_SALT).dumps(
        [subscription_id, fingerprint(email), version]
    )


def read_confirm_token(secret_key: str, token: str) -> tuple[int, str]:
    serializer = URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT)
    try:
        payload = serializer.loads(token, max_age=CONFIRM_MAX_AGE_SECONDS)
    except BadSignature as exc:
        raise BadTokenError("this confirmation link is invalid or has expired") from exc
    return _payload(payload)


def read_manage_token(secret_key: str, token: str) -> tuple[int, str, int]:
    """(subscription id, address fingerprint, link version); links made before versions
    existed carry none and count as version 0."""
    try:
        payload = URLSafeSerializer(secret_key, salt=MANAGE_SALT).loads(token)
    except BadSignature as exc:
        raise BadTokenError("this subscription link is invalid") from exc
    match payload:
        case [int(subscription_id), str(email_fingerprint), int(version)]:
            return subscription_id, email_fingerprint, version
    return (*_payload(payload), 0)


def _payload(payload: object) -> tuple[int, str]:
    match payload:
        case [int(subscription_id), str(email_fingerprint)]:
            return subscription_id, email_fingerprint
    raise BadTokenError("this link is malformed")
