"""`rate_limits`: one token bucket per (action, client), shared by every process and node."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db.base import Base


class RateLimitBucket(Base):
    __tablename__ = "rate_limits"
    __table_args__ = (Index("ix_rate_limits_updated_at", "updated_at"),)

    action: Mapped[str] = mapped_column(String(32), primary_key=True)
    client: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)  # hits still allowed right now
    updated_at: Mapped[float] = mapped_column(Float)  # epoch seconds of the last hit
    allowed: Mapped[bool] = mapped_column(Boolean)  # whether that last hit was allowed
