"""Running an import: records in batches, one transaction per batch, progress reported.

A killed import leaves whole batches behind and nothing half-written; running it again
skips what is already there (the loader is idempotent), so the end state is the same as
after an uninterrupted run.
"""

from __future__ import annotations

import logging
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

    `on_batch` is called with the running summary after each committed batch. When the
    source fails (`SourceError`), the records read before are loaded first, then the error
    is raised with `summary` set.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    summary = ImportSummary()
    batch: list[PaperRecord] = []

    def flush() -> None:
        if batch:
            summary.add(load_committed(engine, batch))
            log.debug("committed batch: %d records, %d seen in all", len(batch), summary.seen)
            batch.clear()
        if on_batch is not None:
            on_batch(summary)

    try:
        for item in items:
            if isinstance(item, Rejected):
                summary.rejected.append(str(item))
                log.debug("rejected %s", item)
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
    except SourceError as exc:
        flush()
        exc.summary = summary
        raise
    flush()
    return summary


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
