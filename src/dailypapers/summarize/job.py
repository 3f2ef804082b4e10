"""Filling `Paper.ai_summary` and `Paper.ai_keywords` for papers that lack them.

Each batch is its own transaction: a killed run loses at most one batch, and a rerun picks
up the papers still without a summary. `recheck` recomputes every paper (after a change of
method, or of abstracts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.orm import Session

from dailypapers.db.engine import unit_of_work
from dailypapers.papers.models import Paper
from dailypapers.summarize.extract import extract_many
from dailypapers.summarize.static import StaticVectors, static_vectors


@dataclass(slots=True)
class SummarizeSummary:
    summarized: int = 0
    batches: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"summarized": self.summarized, "batches": self.batches}


def _missing() -> object:
    return or_(Paper.ai_summary.is_(None), Paper.ai_keywords.is_(None))


def summarize_backlog_count(session: Session, *, recheck: bool = False) -> int:
    stmt = select(func.count()).select_from(Paper)
    if not recheck:
        stmt = stmt.where(_missing())  # type: ignore[arg-type]
    return session.scalar(stmt) or 0


def summarize_papers(
    session: Session, *, paper_ids: Sequence[int], vectors: StaticVectors | None = None
) -> int:
    """Compute and store the summary and keywords of these papers; flushes, never commits."""
    rows = session.execute(
        select(Paper.id, Paper.title, Paper.abstract).where(Paper.id.in_(list(paper_ids)))
    ).all()
    if not rows:
        return 0
    extracts = extract_many(vectors or static_vectors(), [(t, a or "") for _, t, a in rows])
    session.execute(
        update(Paper),
        [
            {"id": pid, "ai_summary": e.summary, "ai_keywords": e.keywords}
            for (pid, _, _), e in zip(rows, extracts, strict=True)
        ],
    )
    session.flush()
    return len(rows)


def run_summarize_backlog(
    engine: Engine,
    *,
    batch_size: int = 512,
    recheck: bool = False,
    vectors: StaticVectors | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SummarizeSummary:
    """Summarize every paper without a summary (or all with `recheck`), batch by batch."""
    vectors = vectors or static_vectors()
    with unit_of_work(engine) as session:
        total = summarize_backlog_count(session, recheck=recheck)
    summary, after = SummarizeSummary(), 0
    while True:
        with unit_of_work(engine) as session:
            stmt = select(Paper.id).where(Paper.id > after)
            if not recheck:
                stmt = stmt.where(_missing())  # type: ignore[arg-type]
            ids = list(session.scalars(stmt.order_by(Paper.id).limit(batch_size)))
            if not ids:
                break
            summary.summarized += summarize_papers(session, paper_ids=ids, vectors=vectors)
        after = ids[-1]
        summary.batches += 1
        if progress is not None:
            progress(summary.summarized, max(total, summary.summarized))
    return summary
