"""Run records of scheduled jobs and resumable harvest state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db.base import Base, UTCDateTime, utcnow


class JobRun(Base):
    """One run of a job for one scheduled slot; the unique key lets one worker claim it."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("name", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    slot: Mapped[str] = mapped_column(String(64))  # e.g. 2026-02-19 for a daily job
    status: Mapped[str] = mapped_column(String(16), default="running")
    worker: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # while running


class HarvestState(Base):
    """Resumable position of a long harvest, e.g. an OAI-PMH resumption token."""

    __tablename__ = "harvest_state"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
