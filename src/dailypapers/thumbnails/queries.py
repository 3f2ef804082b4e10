"""Which papers wait for a thumbnail, and what became of each try."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from dailypapers.papers.models import Paper
from dailypapers.thumbnails.models import ThumbnailFailure

MAX_RETRY = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Due:
    paper_id: int
    pdf_url: str
    arxiv_id: str | None


def due_papers(session: Session, *, now: datetime, limit: int) -> list[Due]:
    """Papers with a PDF, no image of their own or rendered yet, not waiting for a retry;
    the newest first (they are the ones on today's list)."""
    rows = session.execute(
        select(Paper.id, Paper.pdf_url, Paper.arxiv_id)
        .outerjoin(ThumbnailFailure, ThumbnailFailure.paper_id == Paper.id)
        .where(
            Paper.pdf_url.is_not(None),
            Paper.thumbnail.is_(None),
            Paper.media_url.is_(None),
            or_(ThumbnailFailure.paper_id.is_(None), ThumbnailFailure.next_try_at <= now),
        )
        .order_by(Paper.id.desc())
        .limit(limit)
    ).all()
    return [Due(row.id, row.pdf_url, row.arxiv_id) for row in rows]


def record_thumbnail(session: Session, *, paper_id: int, key: str) -> None:
    session.execute(update(Paper).where(Paper.id == paper_id).values(thumbnail=key))
    session.execute(delete(ThumbnailFailure).where(ThumbnailFailure.paper_id == paper_id))
    session.flush()


def record_failure(
    session: Session, *, paper_id: int, error: str, now: datetime, retry: timedelta
) -> ThumbnailFailure:
    """Count the failure; the next try waits `retry`, doubled per failure, a week at most."""
    failure = session.get(ThumbnailFailure, paper_id)
    if failure is None:
        failure = ThumbnailFailure(paper_id=paper_id, attempts=0)
        session.add(failure)
    failure.attempts += 1
    failure.last_error = error[:500]
    failure.failed_at = now
    failure.next_try_at = now + min(retry * 2 ** (failure.attempts - 1), MAX_RETRY)
    session.flush()
    return failure
