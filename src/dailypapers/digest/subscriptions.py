"""Subscribing, confirming, changing and stopping digests. Flushes, never commits.

Double opt-in: a new subscription is `pending` until its confirmation link is used; only
`active` subscriptions get digests. A public subscribe request never changes an active
subscription: the address gets an email with its manage link instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.digest.links import Links, confirm_url
from dailypapers.digest.models import Subscription
from dailypapers.digest.schedule import PERIOD_KINDS
from dailypapers.digest.tokens import (
    BadTokenError,
    fingerprint,
    read_confirm_token,
    read_manage_token,
)
from dailypapers.mail.addresses import AddressError, normalize_address
from dailypapers.mail.caps import under_daily_cap
from dailypapers.mail.outbox import queue_email, site_url
from dailypapers.settings import Settings

STATUSES = ("pending", "active", "paused", "unsubscribed")


class SubscriptionError(ValueError):
    """Bad input for a subscription; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class SubscribeResult:
    subscription: Subscription
    created: bool
    email_kind: str | None = None  # the message queued for this request: confirm or manage
    outbox_id: int | None = None  # deliver it once the transaction has committed


def normalize_email(raw: str) -> str:
    try:
        return normalize_address(raw)
    except AddressError as exc:
        raise SubscriptionError(str(exc)) from None


def check_frequency(frequency: str) -> str:
    if frequency not in PERIOD_KINDS:
        raise SubscriptionError(f"frequency must be daily or weekly, not {frequency!r}")
    return frequency


def find_subscription(session: Session, *, email: str) -> Subscription | None:
    return session.scalar(select(Subscription).where(Subscription.email == email))


def subscribe(
    session: Session,
    settings: Settings,
    *,
    email: str,
    now: datetime,
    frequency: str = "daily",
    topics: dict[str, list[str]] | None = None,
) -> SubscribeResult:
    """A public request: create or renew a pending subscription and queue its confirmation."""
    email = normalize_email(email)
    frequency = check_frequency(frequency)
    subscription = find_subscription(session, email=email)
    created = subscription is None
    if subscription is None:
        subscription = Subscription(email=email, status="pending", created_at=now)
        session.add(subscription)
    if subscription.status == "active":
        return _notified(session, settings, subscription, created, kind="manage", now=now)
    subscription.status = "pending"
    subscription.frequency = frequency
    subscription.topics = topics or {}
    return _notified(session, settings, subscription, created, kind="confirm", now=now)


def add_subscriber(
    session: Session,
    settings: Settings,
    *,
    email: str,
    now: datetime,
    confirmed: bool = False,
    frequency: str | None = None,
    topics: dict[str, list[str]] | None = None,
) -> SubscribeResult:
    """An operator's request: create or update, optionally confirmed without an email."""
    email = normalize_email(email)
    subscription = find_subscription(session, email=email)
    created = subscription is None
    if subscription is None:
        subscription = Subscription(email=email, status="pending", created_at=now, topics={})
        session.add(subscription)
    if frequency is not None:
        subscription.frequency = check_frequency(frequency)
    if topics is not None:
        subscription.topics = topics
    if confirmed and subscription.status != "active":
        _activate(subscription, now)
    session.flush()
    if subscription.status == "active":
        return SubscribeResult(subscription, created)
    subscription.status = "pending"
    return _notified(session, settings, subscription, created, kind="confirm", now=now)


def _notified(
    session: Session,
    settings: Settings,
    subscription: Subscription,
    created: bool,
    *,
    kind: str,
    now: datetime,
) -> SubscribeResult:
    outbox_id = queue_notice(session, settings, subscription, kind=kind, now=now)
    return SubscribeResult(subscription, created, kind if outbox_id else None, outbox_id)


def notice_context(settings: Settings, subscription: Subscription, *, kind: str) -> dict[str, Any]:
    """The context of the `confirm` and `manage` email templates."""
    return {
        "site_url": site_url(settings),
        "email": subscription.email,
        "frequency": subscription.frequency,
        "manage_url": Links.of(settings, subscription).manage_url,
        "confirm_url": confirm_url(settings, subscription) if kind == "confirm" else "",
    }


def queue_notice(
    session: Session, settings: Settings, subscription: Subscription, *, kind: str, now: datetime
) -> int | None:
    """Queue a confirm or manage email; at most one of each kind per subscription and hour,
    and DAILY_CAP a day per mailbox (`+tags` folded)."""
    session.flush()
    if not under_daily_cap(session, kind=kind, to=subscription.email, now=now):
        return None
    return queue_email(
        session, settings, kind=kind, to=subscription.email,
        context=notice_context(settings, subscription, kind=kind),
        key=f"{kind}:{now:%Y-%m-%dT%H}", now=now, subscription_id=subscription.id,
    )  # fmt: skip


def _activate(subscription: Subscription, now: datetime) -> None:
    subscription.status = "active"
    subscription.confirmed_at = now
    subscription.permanent_failures = 0


def _by_token(session: Session, subscription_id: int, email_fingerprint: str) -> Subscription:
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or fingerprint(subscription.email) != email_fingerprint:
        raise BadTokenError("this link is for a subscription that no longer exists")
    return subscription


def confirm(session: Session, settings: Settings, *, token: str, now: datetime) -> Subscription:
    """Activate the subscription of a confirmation link (again is fine)."""
    subscription = _by_token(session, *read_confirm_token(settings.secret_key, token))
    if subscription.status == "unsubscribed":
        raise BadTokenError("this subscription was cancelled; subscribe again to restart it")
    if subscription.status != "active":
        _activate(subscription, now)
        session.flush()
    return subscription


def subscription_for_token(
    session: Session, settings: Settings, *, token: str, stale_ok: bool = False
) -> Subscription:
    """The subscription a manage or unsubscribe link is for. A link from before the last
    unsubscribe is refused (it must not revive the subscription without a new confirmation),
    unless `stale_ok` (unsubscribing again through an old link is harmless)."""
    subscription_id, email_fingerprint, version = read_manage_token(settings.secret_key, token)
    subscription = _by_token(session, subscription_id, email_fingerprint)
    if version != (subscription.link_version or 0) and not stale_ok:
        raise BadTokenError(
            "this link is from before the subscription was cancelled; subscribe again to "
            "get a new one"
        )
    return subscription


def update_subscription(
    session: Session,
    subscription: Subscription,
    *,
    frequency: str,
    topics: dict[str, list[str]],
    now: datetime,
) -> Subscription:
    """From the manage page: the link proves the address, so this also resumes a paused one."""
    subscription.frequency = check_frequency(frequency)
    subscription.topics = topics
    if subscription.status in ("paused", "unsubscribed", "pending"):
        _activate(subscription, now)
    session.flush()
    return subscription


def unsubscribe(session: Session, subscription: Subscription) -> Subscription:
    """Stop the digests; every manage link sent so far stops working (a new version)."""
    if subscription.status != "unsubscribed":
        subscription.link_version = (subscription.link_version or 0) + 1
    subscription.status = "unsubscribed"
    session.flush()
    return subscription


def list_subscriptions(session: Session, *, status: str | None = None) -> list[Subscription]:
    query = select(Subscription).order_by(Subscription.id)
    if status is not None:
        if status not in STATUSES:
            raise SubscriptionError(f"status must be one of {', '.join(STATUSES)}")
        query = query.where(Subscription.status == status)
    return list(session.scalars(query))


def subscription_dict(subscription: Subscription) -> dict[str, Any]:
    """The JSON form, used by `dailypapers subscribers list --json`."""
    return {
        "id": subscription.id,
        "email": subscription.email,
        "status": subscription.status,
        "frequency": subscription.frequency,
        "topics": subscription.topics or {},
        "permanent_failures": subscription.permanent_failures,
        "created_at": subscription.created_at.isoformat(),
        "confirmed_at": subscription.confirmed_at.isoformat()
        if subscription.confirmed_at
        else None,
    }
