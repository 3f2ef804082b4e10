"""`rate_limits`: one window of hits per (action, client), shared by every process and node."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db.base import Base


class RateLimitBucket(Base):
    __tablename__ = "rate_limits"
    __table_args__ = (Index("ix_rate_limits_window_start", "window_start"),)

    action: Mapped[str] = mapped_column(String(32), primary_key=True)
    client: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[float] = mapped_column(Float)  # epoch seconds of the window's first hit
    hits: Mapped[int] = mapped_column(Integer)  # allowed hits in the window
    allowed: Mapped[bool] = mapped_column(Boolean)  # whether the last hit was allowed
