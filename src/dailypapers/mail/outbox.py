"""The outbox: one row per email, written before anything is sent.

`queue_email` renders a kind's templates with the context its feature built and inserts the
row. A row's key (subscription, kind, key) is unique, so queueing twice writes nothing new;
delivery (`mail/delivery.py`) sends the rows after the transaction that wrote them commits.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dailypapers.mail.models import OutboxMessage
from dailypapers.mail.render import RenderedEmail, render_email
from dailypapers.settings import Settings

_NOT_ID = re.compile(r"[^A-Za-z0-9.-]+")


def site_url(settings: Settings) -> str:
    """`BASE_URL`, else the address `serve` listens on (mails have no request to go by)."""
    return settings.mail_base_url


def sender_address(settings: Settings) -> str:
    return parseaddr(settings.mail_from)[1]


def mail_domain(settings: Settings) -> str:
    return (
        sender_address(settings).rpartition("@")[2]
        or urlsplit(settings.mail_base_url).hostname
        or "localhost"
    )


def outbox_row(
    settings: Settings,
    *,
    kind: str,
    to: str,
    key: str,
    rendered: RenderedEmail,
    subscription_id: int | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The values of one outbox row (not yet inserted); `key` is unique per kind and
    subscription (e.g. a digest's period, `daily:2026-02-19`)."""
    local = ".".join([kind, _NOT_ID.sub("-", key), str(subscription_id or 0), secrets.token_hex(6)])
    return {
        "subscription_id": subscription_id,
        "kind": kind,
        "period_key": key,
        "to_addr": to,
        "message_id": f"<{local}@{mail_domain(settings)}>",
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,
        "headers": headers or {},
        "status": "queued",
        "attempts": 0,
    }


def queue_email(
    session: Session,
    settings: Settings,
    *,
    kind: str,
    to: str,
    context: dict[str, Any],
    key: str,
    now: datetime,
    subscription_id: int | None = None,
    headers: dict[str, str] | None = None,
) -> int | None:
    """Render `kind` with `context` into the outbox; returns the row's id (deliver it after
    the commit), or None when a row with this key exists already."""
    row = outbox_row(
        settings, kind=kind, to=to, key=key, rendered=render_email(kind, context),
        subscription_id=subscription_id, headers=headers,
    )  # fmt: skip
    ids = enqueue(session, [row], now=now)
    return ids[0] if ids else None


def enqueue(session: Session, rows: Sequence[dict[str, Any]], *, now: datetime) -> list[int]:
    """Insert rows; one whose (subscription, kind, period) exists is skipped. Returns new ids."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = [{**row, "next_attempt_at": now, "created_at": now} for row in rows]
    statement = insert(OutboxMessage).on_conflict_do_nothing(
        index_elements=["subscription_id", "kind", "period_key"]
    )
    result = session.execute(statement.returning(OutboxMessage.id), values)
    return list(result.scalars())


def prune_bodies(session: Session, *, before: datetime) -> int:
    """Empty the bodies of messages done before `before`; the rows stay, keeping their keys
    (so a period is never composed twice) and their delivery record."""
    result = session.connection().execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status.in_(("sent", "failed")),
            OutboxMessage.created_at < before,
            OutboxMessage.body_text != "",
        )
        .values(body_text="", body_html=None)
    )
    return result.rowcount
