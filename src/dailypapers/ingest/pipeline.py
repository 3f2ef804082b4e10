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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.bulk import load_batch
from dailypapers.ingest.records import PaperRecord, Rejected, SourceError
from dailypapers.ingest.summary import ImportSummary

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 1000


def import_records(
    engine: Engine,
    items: Iterable[PaperRecord | Rejected],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Load every record, `batch_size` a transaction; rejected items are counted, not loaded.

    Reading and parsing (this thread) overlap with writing (a writer thread, batches kept in
    order, at most two waiting): the database's work, such as full-text indexing, runs while
    the next batch is parsed. `on_batch` is called with the running summary after each
    committed batch. When the source fails (`SourceError`), the records read before are
    loaded first, then the error is raised with `summary` set.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    writer = _Writer(engine, on_batch)
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
    """A thread that loads submitted batches in order, one transaction each."""

    def __init__(self, engine: Engine, on_batch: Callable[[ImportSummary], None] | None) -> None:
        self.engine = engine
        self.on_batch = on_batch
        self.summary = ImportSummary()
        self.queue: queue.Queue[list[PaperRecord] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self.thread.start()

    def submit(self, batch: list[PaperRecord] | None) -> None:
        """Queue `batch` (waits while two are queued); raises the writer's error, if any."""
        while self.error is None:
            try:
                self.queue.put(batch, timeout=0.5)
                return
            except queue.Full:
                continue
        raise self.error

    def finish(self, rejected: list[str]) -> ImportSummary:
        """Wait for every queued batch; the summary, or the writer's error."""
        self.submit(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        self.summary.rejected = rejected + self.summary.rejected
        return self.summary

    def abandon(self) -> None:
        """Stop after the batch being written (the reader failed or was interrupted)."""
        self.error = self.error or RuntimeError("import abandoned")
        with contextlib.suppress(queue.Full):
            self.queue.put_nowait(None)
        self.thread.join(60)

    def _run(self) -> None:
        batches = 0
        while (batch := self.queue.get()) is not None and self.error is None:
            try:
                if batch:
                    self.summary.add(load_committed(self.engine, batch))
                    batches += 1
                    log.debug(
                        "committed batch %d: %d records, %d seen in all",
                        batches,
                        len(batch),
                        self.summary.seen,
                    )
                if self.on_batch is not None:
                    self.on_batch(self.summary)
            except BaseException as exc:  # handed to the reader thread
                self.error = exc
                return


def load_committed(
    engine: Engine,
    records: list[PaperRecord],
    *,
    also: Callable[[Session], None] | None = None,
) -> ImportSummary:
    """One batch in one transaction, with `also` (e.g. saving a harvest's position).

    Retried once if a concurrent import created the same rows first.
    """
    for attempt in (1, 2):
        try:
            with unit_of_work(engine) as session:
                summary = load_batch(session, records) if records else ImportSummary()
                if also is not None:
                    also(session)
                return summary
        except IntegrityError:
            if attempt == 2:
                raise
            log.warning("batch collided with a concurrent writer; retrying it once")
    raise AssertionError("unreachable")
