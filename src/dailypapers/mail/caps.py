"""Per-address daily caps on the emails anyone can trigger for any address (confirmations,
verification links, password resets), so the site cannot be used to flood a mailbox.

The cap counts a mailbox once however its `+tags` are spelled: `ada+1@x.org` and
`ada+2@x.org` both count against `ada@x.org`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dailypapers.mail.models import OutboxMessage

DAILY_CAP = 5  # messages of one kind to one mailbox in 24 hours


def fold_address(address: str) -> str:
    """`local+tag@domain` -> `local@domain`, lower-cased: one mailbox, one limit key."""
    local, _, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def sent_today(session: Session, *, kinds: tuple[str, ...], to: str, now: datetime) -> int:
    """Messages of `kinds` queued for the mailbox of `to` in the last 24 hours."""
    folded = fold_address(to)
    local, _, domain = folded.rpartition("@")
    tagged = f"{_like_escape(local)}+%@{_like_escape(domain)}"
    query = select(func.count()).where(
        OutboxMessage.kind.in_(kinds),
        OutboxMessage.created_at > now - timedelta(days=1),
        or_(
            func.lower(OutboxMessage.to_addr) == folded,
            func.lower(OutboxMessage.to_addr).like(tagged, escape="\\"),
        ),
    )
    return session.scalar(query) or 0


def under_daily_cap(
    session: Session, *, kind: str, to: str, now: datetime, cap: int = DAILY_CAP
) -> bool:
    """True while fewer than `cap` messages of `kind` went to this mailbox today."""
    return sent_today(session, kinds=(kind,), to=to, now=now) < cap
