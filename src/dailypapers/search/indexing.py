"""Embedding the backlog: papers without a vector of the current model, or whose text changed.

Each batch is its own transaction, so a killed run loses at most one batch and a rerun
continues where it stopped; nothing is embedded twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Engine, Select, column, delete, func, or_, select, table, text
from sqlalchemy.orm import Session

from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.papers.models import Paper
from dailypapers.search.backends import backend_for
from dailypapers.search.embedder import Embedder
from dailypapers.search.models import Embedding
from dailypapers.search.text import embedding_text, text_hash


@dataclass(slots=True)
class EmbedSummary:
    embedded: int = 0  # new or changed text, or another model before
    unchanged: int = 0  # the text was touched but is the same: no new vector
    batches: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"embedded": self.embedded, "unchanged": self.unchanged, "batches": self.batches}


queue = table("search_embed_queue", column("paper_id"))


def _backlog(model: str, recheck: bool) -> Select[int]:
    """Papers to embed: queued by the triggers (new or changed text), without a vector, or
    with a vector of another model; with `recheck`, every paper."""
    stmt = select(Paper.id).outerjoin(Embedding, Embedding.paper_id == Paper.id)
    if recheck:
        return stmt
    queued = select(queue.c.paper_id)
    return stmt.where(
        or_(Embedding.paper_id.is_(None), Embedding.model != model, Paper.id.in_(queued))
    )


def backlog_ids(
    session: Session, *, model: str, after: int = 0, limit: int = 256, recheck: bool = False
) -> list[int]:
    """Ids of papers to (re)embed, in id order, after `after`."""
    stmt = _backlog(model, recheck).where(Paper.id > after).order_by(Paper.id).limit(limit)
    return list(session.scalars(stmt))


def backlog_count(session: Session, *, model: str, recheck: bool = False) -> int:
    sub = _backlog(model, recheck).subquery()
    return session.scalar(select(func.count()).select_from(sub)) or 0


def embed_papers(session: Session, *, embedder: Embedder, paper_ids: Sequence[int]) -> EmbedSummary:
    """Embed these papers where their text or the model changed; flushes, never commits."""
    summary = EmbedSummary(batches=1)
    papers = session.execute(
        select(Paper.id, Paper.title, Paper.abstract).where(Paper.id.in_(list(paper_ids)))
    ).all()
    stored = {
        e.paper_id: e
        for e in session.scalars(select(Embedding).where(Embedding.paper_id.in_(list(paper_ids))))
    }
    todo: list[tuple[int, str, str]] = []
    for pid, title, abstract in papers:
        doc = embedding_text(title, abstract or "")
        digest = text_hash(doc)
        old = stored.get(pid)
        if old is not None and old.model == embedder.name and old.text_hash == digest:
            old.created_at = utcnow()
            summary.unchanged += 1
        else:
            todo.append((pid, doc, digest))
    session.execute(delete(queue).where(queue.c.paper_id.in_(list(paper_ids))))
    if todo:
        vectors = embedder.embed([doc for _, doc, _ in todo])
        for (pid, _, digest), vector in zip(todo, vectors, strict=True):
            row = stored.get(pid)
            if row is None:
                row = Embedding(paper_id=pid)
                session.add(row)
            row.model, row.text_hash, row.dim = embedder.name, digest, embedder.dim
            row.vector, row.created_at = vector, utcnow()
        summary.embedded = len(todo)
        session.flush()
        backend_for(session).vectors.refresh(
            session, model=embedder.name, paper_ids=[pid for pid, _, _ in todo]
        )
    session.flush()
    return summary


def run_embed_backlog(
    engine: Engine,
    *,
    embedder: Embedder,
    batch_size: int = 256,
    recheck: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> EmbedSummary:
    """Embed the whole backlog, one committed batch at a time, then sync the vector index.

    `progress(done, total)` is called after each batch. The worker calls this after an ingest.
    """
    with unit_of_work(engine) as session:
        total = backlog_count(session, model=embedder.name, recheck=recheck)
    summary, after, done = EmbedSummary(), 0, 0
    while True:
        with unit_of_work(engine) as session:
            ids = backlog_ids(
                session, model=embedder.name, after=after, limit=batch_size, recheck=recheck
            )
            if not ids:
                break
            batch = embed_papers(session, embedder=embedder, paper_ids=ids)
        after, done = ids[-1], done + len(ids)
        summary.embedded += batch.embedded
        summary.unchanged += batch.unchanged
        summary.batches += 1
        if progress is not None:
            progress(done, max(total, done))
    sync_vector_index(engine, model=embedder.name)
    return summary


def sync_vector_index(engine: Engine, *, model: str) -> int:
    """Bring the vector index up to date with `embeddings` and persist it; recount terms;
    bring the keyword index up to date."""
    with unit_of_work(engine) as session:
        backend = backend_for(session)
        changed = backend.vectors.sync(session, model=model)
        backend.vectors.save(session, model=model)
        backend.fulltext.refresh_statistics(session)
    backend.fulltext.sync(engine)
    return changed


def rebuild_indexes(engine: Engine, *, model: str) -> tuple[int, int]:
    """Rebuild the full-text and the vector index from the catalogue, beside the old ones."""
    with unit_of_work(engine) as session:
        backend = backend_for(session)
        papers = backend.fulltext.rebuild(session)
        backend.fulltext.refresh_statistics(session)
        vectors = backend.vectors.rebuild(session, model=model)
    return papers, vectors


STALE_STATISTICS = 0.1  # recount terms once the papers indexed grew or shrank by 10%


def refresh_statistics_if_stale(engine: Engine) -> bool:
    """Recount term frequencies when the count of papers moved by STALE_STATISTICS since the
    last count (keyword search plans long queries with them). True if it recounted.

    Bulk imports call this at their end (it also brings the keyword index up to date, in a
    thread meanwhile: after the 75k import on PostgreSQL, the recount keeps the database's
    process busy and the index build this one); the embedding job recounts after every run.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="keyword-sync") as pool:
        synced = pool.submit(_sync_keyword_index, engine)
        recounted = _recount_if_stale(engine)
        synced.result()
    return recounted


def _sync_keyword_index(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        backend_for(session).fulltext.sync(engine)


def _recount_if_stale(engine: Engine) -> bool:
    with unit_of_work(engine) as session:
        counted = session.scalar(text("SELECT df FROM search_term_stats WHERE term = ''")) or 0
        papers = session.scalar(select(func.count()).select_from(Paper)) or 0
        if abs(papers - counted) <= STALE_STATISTICS * counted or papers == counted == 0:
            return False
        backend_for(session).fulltext.refresh_statistics(session)
    return True
