"""Running an import: records in batches, one transaction per batch, progress reported.

A killed import leaves whole batches behind and nothing half-written; running it again
skips what is already there (the loader is idempotent), so the end state is the same as
after an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Iterable

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.authors_ahead import AuthorsAhead
from dailypapers.ingest.bulk import load_batch
from dailypapers.ingest.records import PaperRecord, Rejected, SourceError
from dailypapers.ingest.summary import ImportSummary

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 1000
RETRIES = 3


def import_records(
    engine: Engine,
    items: Iterable[PaperRecord | Rejected],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[ImportSummary], None] | None = None,
    writers: int | None = None,
) -> ImportSummary:
    """Load every record, `batch_size` a transaction; rejected items are counted, not loaded.

    Reading and parsing (this thread) overlap with writing (`writers` threads, by default
    one on SQLite and two on PostgreSQL): the database's work, such as full-text indexing,
    runs while the next batch is parsed. `on_batch` is called with the running summary after each
    committed batch. When the source fails (`SourceError`), the records read before are
    loaded first, then the error is raised with `summary` set.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    writer = _Writer(engine, on_batch, writers)
    rejected: list[str] = []
    batch: list[PaperRecord] = []
    try:
        for item in items:
            if isinstance(item, Rejected):
                rejected.append(str(item))
                log.debug("rejected %s", item)
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                writer.submit(batch)
                batch = []
    except SourceError as exc:
        writer.submit(batch)
        exc.summary = writer.finish(rejected)
        raise
    except BaseException:
        writer.abandon()
        raise
    writer.submit(batch)
    return writer.finish(rejected)


class _Writer:
    """Threads that load submitted batches, one transaction each.

    SQLite has one writer at a time, so one thread. PostgreSQL gets two: one connection's
    server process computes a batch's full-text documents while the other's writes the
    next. Independent batches may commit in any order; a batch that holds a paper of a
    batch still in flight waits for it to commit, so each paper's records load in file
    order and the outcome is that of one writer. A batch that collides with a concurrent
    one on a new author row is retried (`load_committed`); on PostgreSQL new author rows are
    committed ahead of each batch, so the two do not wait on each other's names.
    """

    def __init__(
        self,
        engine: Engine,
        on_batch: Callable[[ImportSummary], None] | None,
        writers: int | None = None,
    ) -> None:
        self.engine = engine
        self.on_batch = on_batch
        self.summary = ImportSummary()
        self.lock = threading.Lock()
        count = writers or (2 if engine.dialect.name == "postgresql" else 1)
        self.queue: queue.Queue[_Batch | None] = queue.Queue(maxsize=count + 1)
        self.in_flight: list[_Batch] = []  # submitted, not yet committed
        self.error: BaseException | None = None
        self.batches = 0
        self.threads = [
            threading.Thread(target=self._run, name=f"import-writer-{n}", daemon=True)
            for n in range(count)
        ]
        for thread in self.threads:
            thread.start()

    def submit(self, records: list[PaperRecord] | None) -> None:
        """Queue `records` (waits while the queue is full); raises a writer's error, if any."""
        batch = None if records is None else _Batch(records)
        if batch is not None:
            with self.lock:
                self.in_flight = [b for b in self.in_flight if not b.done.is_set()]
                batch.after = [b for b in self.in_flight if b.keys & batch.keys]
                self.in_flight.append(batch)
        while self.error is None:
            try:
                self.queue.put(batch, timeout=0.5)
                return
            except queue.Full:
                continue
        raise self.error

    def finish(self, rejected: list[str]) -> ImportSummary:
        """Wait for every queued batch; the summary, or the writers' first error."""
        for _thread in self.threads:
            self.submit(None)
        for thread in self.threads:
            thread.join()
        if self.error is not None:
            raise self.error
        self.summary.rejected = rejected + self.summary.rejected
        return self.summary

    def abandon(self) -> None:
        """Stop after the batches being written (the reader failed or was interrupted)."""
        self.error = self.error or RuntimeError("import abandoned")
        for _thread in self.threads:
            with contextlib.suppress(queue.Full):
                self.queue.put_nowait(None)
        for thread in self.threads:
            thread.join(60)

    def _failed(self) -> bool:
        """Whether a loader failed (another thread may set `error` at any time)."""
        return self.error is not None

    def _run(self) -> None:
        while (batch := self.queue.get()) is not None and self.error is None:
            try:
                for earlier in batch.after:
                    while not earlier.done.wait(0.5):
                        if self._failed():
                            return
                records = batch.records
                result = load_committed(self.engine, records) if records else ImportSummary()
                batch.done.set()
                with self.lock:
                    self.summary.add(result)
                    self.batches += 1 if records else 0
                    log.debug(
                        "committed batch %d: %d records, %d seen in all",
                        self.batches,
                        len(records),
                        self.summary.seen,
                    )
                    if self.on_batch is not None:
                        self.on_batch(self.summary)
            except BaseException as exc:  # handed to the reader thread
                self.error = self.error or exc
                return


class _Batch:
    """Records to load in one transaction, and the earlier batches it must wait for."""

    def __init__(self, records: list[PaperRecord]) -> None:
        self.records = records
        self.keys = {r.key for r in records} | {r.arxiv_id for r in records if r.arxiv_id}
        self.after: list[_Batch] = []
        self.done = threading.Event()


def load_committed(
    engine: Engine,
    records: list[PaperRecord],
    *,
    also: Callable[[Session], None] | None = None,
) -> ImportSummary:
    """One batch in one transaction, with `also` (e.g. saving a harvest's position).

    Retried if a concurrent writer created the same rows first, or deadlocked with it. On
    PostgreSQL new author rows are committed ahead of the batch (`authors_ahead`), and the
    unused ones deleted again when it fails.
    """
    ahead = AuthorsAhead(engine) if engine.dialect.name == "postgresql" else None
    for attempt in range(1, RETRIES + 1):
        try:
            with unit_of_work(engine) as session:
                summary = load_batch(session, records, ahead=ahead) if records else ImportSummary()
                if also is not None:
                    also(session)
                return summary
        except BaseException as exc:
            if ahead is not None:
                ahead.forget()
            if not isinstance(exc, IntegrityError | OperationalError):
                raise
            if attempt == RETRIES or not _collided(exc):
                raise
            log.warning("batch collided with a concurrent writer; retrying it (%s)", attempt)
    raise AssertionError("unreachable")


def _collided(exc: DBAPIError) -> bool:
    """A unique key taken by a concurrent transaction, or a deadlock with one."""
    if isinstance(exc, IntegrityError):
        return True
    return getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")
