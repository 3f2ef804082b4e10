"""Stored embeddings: one vector per paper, with the model and the hash of the embedded text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db.base import Base, UTCDateTime, utcnow


class Embedding(Base):
    __tablename__ = "embeddings"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(200))
    text_hash: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian, L2-normalized
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
