"""Double opt-in, signed links, operator adds, updates and unsubscribing (both backends)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.digest.subscriptions import (
    SubscriptionError,
    add_subscriber,
    confirm,
    list_subscriptions,
    normalize_email,
    subscribe,
    subscription_for_token,
    unsubscribe,
    update_subscription,
)
from dailypapers.digest.tokens import (
    CONFIRM_SALT,
    BadTokenError,
    confirm_token,
    fingerprint,
    manage_token,
)
from dailypapers.mail.models import OutboxMessage
from dailypapers.settings import Settings

NOW = datetime(2026, 2, 19, 9, 30, tzinfo=UTC)


def outbox(session: Session) -> list[tuple[str, str, str]]:
    rows = session.execute(
        select(OutboxMessage.kind, OutboxMessage.period_key, OutboxMessage.to_addr).order_by(
            OutboxMessage.id
        )
    )
    return [tuple(row) for row in rows]


def test_email_addresses_are_checked_and_normalized() -> None:
    assert normalize_email("  Ada@Example.ORG ") == "ada@example.org"
    for bad in (
        "",
        "ada",
        "ada@",
        "@example.org",
        "ada@localhost",
        "a b@example.org",
        "a@b@c.org",
        "ü@example.org",
    ):
        with pytest.raises(SubscriptionError, match="not an email address"):
            normalize_email(bad)


def test_subscribing_is_pending_until_the_signed_link_confirms_it(
    session: Session, settings: Settings
) -> None:
    result = subscribe(session, settings, email="ada@example.org", frequency="weekly", now=NOW)
    sub = result.subscription
    assert (sub.status, sub.frequency, result.created, result.email_kind) == (
        "pending", "weekly", True, "confirm",
    )  # fmt: skip
    assert outbox(session) == [("confirm", "confirm:2026-02-19T09", "ada@example.org")]
    message = session.get(OutboxMessage, result.outbox_id)
    assert message is not None and "/subscribe/confirm/" in message.body_text
    token = message.body_text.split("/subscribe/confirm/")[1].split()[0]
    assert confirm(session, settings, token=token, now=NOW).status == "active"
    assert sub.confirmed_at == NOW
    # confirming again is harmless; a forged or foreign token is not
    assert confirm(session, settings, token=token, now=NOW).status == "active"
    with pytest.raises(BadTokenError):
        confirm(session, settings, token=token[:-2] + "xx", now=NOW)
    foreign = settings.model_copy(update={"secret_key": "another-secret-key-entirely"})
    with pytest.raises(BadTokenError):
        confirm(session, foreign, token=token, now=NOW)


def test_an_expired_confirmation_link_is_refused(session: Session, settings: Settings) -> None:
    sub = subscribe(session, settings, email="old@example.org", now=NOW).subscription

    class EightDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 8 * 24 * 3600

    payload = [sub.id, fingerprint(sub.email)]
    old = URLSafeTimedSerializer(settings.secret_key, salt=CONFIRM_SALT, signer=EightDaysAgo)
    with pytest.raises(BadTokenError, match="expired"):
        confirm(session, settings, token=old.dumps(payload), now=NOW)
    fresh = URLSafeTimedSerializer(settings.secret_key, salt=CONFIRM_SALT).dumps(payload)
    assert confirm(session, settings, token=fresh, now=NOW).status == "active"


def test_public_requests_never_change_an_active_subscription(
    session: Session, settings: Settings
) -> None:
    add_subscriber(
        session, settings, email="ada@example.org", confirmed=True, now=NOW,
        topics={"queries": ["robots"]},
    )  # fmt: skip
    again = subscribe(session, settings, email="ADA@example.org", frequency="weekly", now=NOW)
    assert again.email_kind == "manage" and not again.created
    assert (again.subscription.frequency, again.subscription.topics) == (
        "daily", {"queries": ["robots"]},
    )  # fmt: skip
    # a second request within the hour sends nothing more
    assert subscribe(session, settings, email="ada@example.org", now=NOW).email_kind is None
    later = subscribe(session, settings, email="ada@example.org", now=NOW + timedelta(hours=1))
    assert later.email_kind == "manage"
    assert [kind for kind, _, _ in outbox(session)] == ["manage", "manage"]


def test_operators_add_and_update_subscribers(session: Session, settings: Settings) -> None:
    pending = add_subscriber(session, settings, email="bob@example.org", now=NOW)
    assert (pending.subscription.status, pending.email_kind) == ("pending", "confirm")
    done = add_subscriber(
        session, settings, email="bob@example.org", confirmed=True, frequency="weekly",
        topics={"categories": ["cs.CL"]}, now=NOW,
    )  # fmt: skip
    assert (done.created, done.subscription.status, done.email_kind) == (False, "active", None)
    assert done.subscription.topics == {"categories": ["cs.CL"]}
    with pytest.raises(SubscriptionError, match="frequency"):
        add_subscriber(session, settings, email="bob@example.org", frequency="hourly", now=NOW)
    assert [s.email for s in list_subscriptions(session, status="active")] == ["bob@example.org"]


def test_manage_links_update_resume_and_unsubscribe(session: Session, settings: Settings) -> None:
    sub = add_subscriber(session, settings, email="cy@example.org", confirmed=True, now=NOW)
    sub = sub.subscription
    token = manage_token(settings.secret_key, subscription_id=sub.id, email=sub.email)
    assert subscription_for_token(session, settings, token=token) is sub
    unsubscribe(session, sub)
    assert sub.status == "unsubscribed"
    with pytest.raises(BadTokenError, match="cancelled"):
        confirm(
            session, settings, now=NOW,
            token=confirm_token(settings.secret_key, subscription_id=sub.id, email=sub.email),
        )  # fmt: skip
    with pytest.raises(BadTokenError, match="before the subscription was cancelled"):
        subscription_for_token(session, settings, token=token)  # an old link cannot revive it
    assert subscription_for_token(session, settings, token=token, stale_ok=True) is sub
    unsubscribe(session, sub)  # again: the links of the first time stay dead, no new version
    assert sub.link_version == 1
    token = manage_token(settings.secret_key, subscription_id=sub.id, email=sub.email, version=1)
    assert subscription_for_token(session, settings, token=token) is sub
    sub.permanent_failures = 3
    update_subscription(
        session, sub, frequency="weekly", topics={"authors": ["Ada Lovelace"]}, now=NOW
    )
    assert (sub.status, sub.frequency, sub.permanent_failures) == ("active", "weekly", 0)
    # a token stops working when the address it was made for changes
    sub.email = "cy2@example.org"
    session.flush()
    with pytest.raises(BadTokenError):
        subscription_for_token(session, settings, token=token)
