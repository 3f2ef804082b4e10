"""The outbox: one row per email, written before anything is sent.

A row's key (subscription, kind, period) is unique, so composing twice writes nothing new;
`wire_message` turns a row into the bytes that go over SMTP.
"""

from __future__ import annotations

import binascii
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dailypapers.digest.models import OutboxMessage, Subscription
from dailypapers.digest.render import RenderedEmail
from dailypapers.digest.tokens import confirm_token, manage_token
from dailypapers.settings import Settings


@dataclass(frozen=True, slots=True)
class Links:
    """The signed links of one subscription."""

    manage_url: str
    unsubscribe_url: str
    token: str

    @classmethod
    def of(cls, settings: Settings, subscription: Subscription) -> Links:
        token = manage_token(
            settings.secret_key, subscription_id=subscription.id, email=subscription.email
        )
        base = site_url(settings)
        return cls(f"{base}/subscriptions/{token}", f"{base}/unsubscribe/{token}", token)


def confirm_url(settings: Settings, subscription: Subscription) -> str:
    token = confirm_token(
        settings.secret_key, subscription_id=subscription.id, email=subscription.email
    )
    return f"{site_url(settings)}/subscribe/confirm/{token}"


def site_url(settings: Settings) -> str:
    return settings.base_url.rstrip("/")


def sender_address(settings: Settings) -> str:
    return parseaddr(settings.mail_from)[1]


def mail_domain(settings: Settings) -> str:
    return (
        sender_address(settings).rpartition("@")[2]
        or urlsplit(settings.base_url).hostname
        or "localhost"
    )


def list_headers(settings: Settings, links: Links) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe (https and mailto) and RFC 8058 one-click."""
    mailto = f"mailto:{sender_address(settings)}?subject={quote('unsubscribe ' + links.token)}"
    return {
        "List-Unsubscribe": f"<{links.unsubscribe_url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"dailypapers digest <digest.{mail_domain(settings)}>",
    }


def new_message(
    settings: Settings,
    *,
    subscription: Subscription,
    kind: str,
    period_key: str,
    rendered: RenderedEmail,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The values of one outbox row (not yet inserted)."""
    local = f"{kind}.{period_key.replace(':', '-')}.{subscription.id}.{secrets.token_hex(6)}"
    return {
        "subscription_id": subscription.id,
        "kind": kind,
        "period_key": period_key,
        "to_addr": subscription.email,
        "message_id": f"<{local}@{mail_domain(settings)}>",
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,
        "headers": headers or {},
        "status": "queued",
        "attempts": 0,
    }


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
    return int(result.rowcount)


def wire_message(
    settings: Settings,
    *,
    to_addr: str,
    subject: str,
    message_id: str,
    body_text: str,
    body_html: str | None,
    headers: dict[str, str],
    date: datetime,
) -> bytes:
    """The bytes that go over SMTP: multipart/alternative (text, then HTML), UTF-8 parts in
    quoted-printable (binascii's, in C), CRLF line ends.

    Written out directly rather than through `email.message.EmailMessage`, which spent 4 ms
    a message parsing its own headers; the tests read every message back with `email`.
    """
    name, address = parseaddr(settings.mail_from)
    fields = {
        "From": formataddr((name, address), charset="utf-8"),
        "To": to_addr,
        "Subject": subject
        if subject.isascii()
        else Header(subject, "utf-8").encode(linesep="\r\n"),
        "Date": format_datetime(date),
        "Message-ID": message_id,
        **headers,
        "MIME-Version": "1.0",
    }
    head = "".join(_header(key, value) for key, value in fields.items())
    if body_html is None:
        return head.encode() + _part("text/plain", body_text)
    boundary = f"=_dailypapers_{secrets.token_hex(12)}"
    return b"".join(
        [
            head.encode(),
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode(),
            f"--{boundary}\r\n".encode(),
            _part("text/plain", body_text),
            f"\r\n--{boundary}\r\n".encode(),
            _part("text/html", body_html),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )


def _header(key: str, value: str) -> str:
    if "\r" in value.replace("\r\n ", "") or "\n" in value.replace("\r\n ", ""):
        raise ValueError(f"a line break in the {key} header")
    if not value.isascii():
        raise ValueError(f"non-ASCII text in the {key} header")
    return f"{key}: {value}\r\n"


def _part(content_type: str, text: str) -> bytes:
    crlf = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    return (
        f"Content-Type: {content_type}; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode() + binascii.b2a_qp(crlf.encode(), istext=True)
