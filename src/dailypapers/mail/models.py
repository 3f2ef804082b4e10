"""The email outbox: one row per email, written before anything is sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db.base import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    """One email to send. The unique key makes each digest exist once per period."""

    __tablename__ = "email_outbox"
    __table_args__ = (
        UniqueConstraint("subscription_id", "kind", "period_key"),
        Index("ix_email_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        CheckConstraint("status in ('queued', 'sending', 'sent', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32))  # digest, confirm, password_reset...
    period_key: Mapped[str] = mapped_column(String(64))  # e.g. daily:2026-02-19
    to_addr: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
