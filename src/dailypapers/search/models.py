"""Stored embeddings: one vector per paper, with the model and the hash of the embedded text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from dailypapers.db.base import Base, UTCDateTime, utcnow


class VectorColumn(TypeDecorator[np.ndarray]):
    """A float32 vector stored as little-endian bytes; Python sees a 1-d numpy array.

    This table is the canonical store on every backend. The vector index of a backend
    (a usearch file beside SQLite, a pgvector table on PostgreSQL) is derived from it.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return np.asarray(value, dtype="<f4").reshape(-1).tobytes()

    def process_result_value(self, value: Any, dialect: Dialect) -> np.ndarray | None:
        if value is None:
            return None
        if isinstance(value, bytes | memoryview):
            return np.frombuffer(bytes(value), dtype="<f4").copy()
        return np.asarray(value, dtype=np.float32)


class Embedding(Base):
    __tablename__ = "embeddings"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(200))
    text_hash: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[np.ndarray] = mapped_column(VectorColumn)  # L2-normalized float32
    # When the text was last embedded or found unchanged.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
