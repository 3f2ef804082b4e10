"""Full-text indexing deferred to the end of a bulk batch.

The triggers of migration 0002_search index each paper as it is written, one row at a time.
A bulk loader turns them off for its own transaction (migration 0005_search_deferral), says
which papers it created or changed, and they are indexed in one statement per batch at the
end. Other writers, and other connections meanwhile, still go through the triggers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError

from dailypapers.search.fulltext import POSTGRES_DOCUMENTS, SQLITE_DOCUMENTS

_SQLITE_CHUNK = 500

_SQLITE_INDEX = (
    f"INSERT INTO papers_fts(rowid, title, abstract, authors) {SQLITE_DOCUMENTS} WHERE p.id IN :ids"
)
_POSTGRES_INDEX = text(
    "INSERT INTO paper_search(paper_id, document) "
    + POSTGRES_DOCUMENTS.format(authors="WHERE pa.paper_id = ANY(:ids)")
    + " WHERE p.id = ANY(:ids) "
    "ON CONFLICT (paper_id) DO UPDATE SET document = EXCLUDED.document"
).bindparams(bindparam("ids", type_=postgresql.ARRAY(postgresql.INTEGER)))


@dataclass(slots=True)
class PendingPapers:
    """Papers written while indexing was off: `created` ones are not indexed at all yet."""

    created: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)


@contextlib.contextmanager
def deferred_fulltext(connection: Connection) -> Iterator[PendingPapers]:
    """Full-text triggers off in this transaction; the papers noted are indexed on exit.

    Call it inside the write transaction (SQLite: after BEGIN IMMEDIATE). On an error the
    triggers are turned back on and nothing is indexed: the caller rolls back.
    """
    pending = PendingPapers()
    _pause(connection)
    try:
        yield pending
    except BaseException:
        with contextlib.suppress(DBAPIError):
            _resume(connection)
        raise
    _resume(connection)
    index_papers(connection, created=pending.created, changed=pending.changed)


def index_papers(
    connection: Connection, *, created: Sequence[int] = (), changed: Sequence[int] = ()
) -> None:
    """(Re)compute the full-text rows of these papers from the catalogue, set-wise."""
    if connection.dialect.name == "postgresql":
        ids = sorted({*created, *changed})
        if ids:
            connection.execute(_POSTGRES_INDEX, {"ids": ids})
        return
    stale = sorted(set(changed))
    for start in range(0, len(stale), _SQLITE_CHUNK):
        chunk = stale[start : start + _SQLITE_CHUNK]
        connection.execute(
            text("DELETE FROM papers_fts WHERE rowid IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": chunk},
        )
    ids = sorted({*created, *changed})
    insert = text(_SQLITE_INDEX).bindparams(bindparam("ids", expanding=True))
    for start in range(0, len(ids), _SQLITE_CHUNK):
        connection.execute(insert, {"ids": ids[start : start + _SQLITE_CHUNK]})


def _pause(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL dailypapers.defer_search = 'on'")
    else:
        connection.exec_driver_sql("INSERT OR IGNORE INTO search_sync_paused(id) VALUES (1)")


def _resume(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL dailypapers.defer_search = 'off'")
    else:
        connection.exec_driver_sql("DELETE FROM search_sync_paused")
