"""Running an import: records in batches, one transaction per batch, progress reported.

A killed import leaves whole batches behind and nothing half-written; running it again
skips what is already there (the loader is idempotent), so the end state is the same as
after an uninterrupted run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from itertools import islice

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.bulk import load_batch
from dailypapers.ingest.records import PaperRecord, Rejected
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

    `on_batch` is called with the running summary after each committed batch.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    summary = ImportSummary()
    iterator = iter(items)
    batches = 0
    while chunk := list(islice(iterator, batch_size)):
        records = [item for item in chunk if isinstance(item, PaperRecord)]
        summary.rejected.extend(str(item) for item in chunk if isinstance(item, Rejected))
        if records:
            summary.add(load_committed(engine, records))
            batches += 1
            log.debug(
                "committed batch %d: %d records, %d seen", batches, len(records), summary.seen
            )
        if on_batch is not None:
            on_batch(summary)
    return summary


def load_committed(engine: Engine, records: list[PaperRecord]) -> ImportSummary:
    """One batch in one transaction; retried once if a concurrent import got there first."""
    try:
        with unit_of_work(engine) as session:
            return load_batch(session, records)
    except IntegrityError:
        log.warning("batch collided with a concurrent writer; retrying it once")
        with unit_of_work(engine) as session:
            return load_batch(session, records)
