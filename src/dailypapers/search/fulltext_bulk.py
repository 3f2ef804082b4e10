"""PostgreSQL's GIN index of `paper_search`, set aside while a big import fills a small site.

Each batch of a bulk import writes its papers' tsvectors (`search.deferral`). Kept in a GIN
index row by row, they cost more than the documents themselves: for the 75k snapshot about
14 s of the server's CPU and 612 MB of write-ahead log, against about 6 s and 28 MB for
building the index once from the finished table (PostgreSQL builds a GIN index in parallel).

So an import that is big (`Source.big`) into a catalogue of fewer than `SET_ASIDE_BELOW`
papers drops the index first and builds it again at its end, whether the import succeeded or
failed. Meanwhile search still ranks by the keyword index (tantivy); only the counts of a
filtered keyword search scan the table. An import killed before its end leaves the index
missing: the next import, of any size, and `dailypapers db upgrade` build it again
(`ensure_gin_index`). A dropping that would wait for other sessions' reads gives up after
`LOCK_WAIT` and the import keeps the index as it is.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

GIN_INDEX = "ix_paper_search_document"
_CREATE = f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON paper_search USING gin (document)"
SET_ASIDE_BELOW = 10_000  # papers in the catalogue
LOCK_WAIT = "2s"
BUILD_MEMORY = "256MB"  # maintenance_work_mem of the build: one pass over 75k documents

log = logging.getLogger(__name__)


@contextlib.contextmanager
def gin_set_aside(engine: Engine, *, big: bool) -> Iterator[bool]:
    """Around a bulk import: yields whether the index was dropped; it exists again after."""
    if engine.dialect.name != "postgresql":
        yield False
        return
    dropped = big and _drop_if_small(engine)
    try:
        yield dropped
    finally:
        ensure_gin_index(engine)


def ensure_gin_index(engine: Engine) -> bool:
    """Build the GIN index of `paper_search` if it is missing (PostgreSQL). True if built."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        if _exists(connection):
            return False
        connection.execute(text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))
        connection.execute(text(_CREATE))
        connection.commit()
    return True


def _drop_if_small(engine: Engine) -> bool:
    with engine.connect() as connection:
        papers = connection.scalar(text("SELECT count(*) FROM papers")) or 0
        if papers >= SET_ASIDE_BELOW or not _exists(connection):
            return False
        connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
        try:
            connection.execute(text(f"DROP INDEX IF EXISTS {GIN_INDEX}"))
        except OperationalError as exc:  # other sessions hold the table: keep the index
            log.info("keeping the full-text index during the import: %s", exc.orig)
            connection.rollback()
            return False
        connection.commit()
    return True


def _exists(connection: Connection) -> bool:
    found = connection.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": GIN_INDEX})
    return bool(found)
