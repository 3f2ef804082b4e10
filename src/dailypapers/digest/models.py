"""Digest subscriptions (their emails wait in `mail.models.OutboxMessage`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db.base import Base, UTCDateTime, utcnow


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("frequency in ('daily', 'weekly')", name="frequency"),
        CheckConstraint("status in ('pending', 'active', 'paused', 'unsubscribed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    frequency: Mapped[str] = mapped_column(String(16), default="daily")
    # {"queries": [...], "categories": [...], "organizations": [...], "authors": [...]}
    topics: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    personal: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    permanent_failures: Mapped[int] = mapped_column(Integer, default=0)
    # Signed into manage links; raised on unsubscribe, so older links stop working.
    link_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
