"""What the keyword index asks of each database: its change log, its watermark, its documents.

A `mark` is how far an index has replayed the log, persisted in the index's `current.json`.

- SQLite (migration 0008): the log's `seq` is an AUTOINCREMENT; one writer at a time commits,
  so numbers commit in order. The mark is the last `seq` replayed; pending rows have
  `seq > mark`; a session sees all the index holds when the newest `seq` it can see is <= mark.
- PostgreSQL (migration 0012): numbers may commit out of order, so each row carries the id of
  its transaction (xid8). A sync reads xmin, the oldest transaction still running in its
  snapshot, and replays the rows with `mark <= xid < xmin`: every transaction below xmin has
  finished, so no row can appear below it later, and nothing is read twice. The new mark is
  that xmin. The index holds all a session sees when the session sees no row with
  `xid >= mark` (its own uncommitted changes included) and no prune passed the mark.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from typing import Protocol

from sqlalchemy import Connection, Engine, TextClause, bindparam, text
from sqlalchemy.orm import Session

_DOCUMENT = "SELECT p.id, p.title, coalesce(p.abstract, ''), {authors} FROM papers p"
_SOME = " AND p.id IN :ids"
_EVERY_SQLITE = (
    _DOCUMENT.format(
        authors="coalesce((SELECT group_concat(a.name, ', ') FROM paper_authors pa "
        "JOIN authors a ON a.id = pa.author_id WHERE pa.paper_id = p.id), '')"
    )
    + " WHERE NOT p.hidden"
)
_ONE_POSTGRES = (
    "coalesce((SELECT string_agg(a.name, ', ' ORDER BY pa.position) FROM paper_authors pa "
    "JOIN authors a ON a.id = pa.author_id WHERE pa.paper_id = p.id), '')"
)
# Every paper: one aggregate over the links, joined (a correlated subquery per paper is slow).
_EVERY_POSTGRES = (
    _DOCUMENT.format(authors="coalesce(n.names, '')") + " LEFT JOIN ("
    "SELECT pa.paper_id, string_agg(a.name, ', ' ORDER BY pa.position) AS names "
    "FROM paper_authors pa JOIN authors a ON a.id = pa.author_id GROUP BY pa.paper_id"
    ") n ON n.paper_id = p.id WHERE NOT p.hidden"
)
_STREAM = {"yield_per": 2_000}  # a build reads every paper: in batches, not all at once
LOG_RETENTION = timedelta(days=7)  # PostgreSQL: how long each node may take to replay a row


def _some(every: str) -> TextClause:
    return text(every + _SOME).bindparams(bindparam("ids", expanding=True))


class ChangeLog(Protocol):
    """The per-backend part of the keyword index (`keyword_index.KeywordIndex`)."""

    every_document: TextClause  # (id, title, abstract, authors) of each visible paper
    some_documents: TextClause  # the same for the papers in `:ids`

    def reading(self, engine: Engine) -> AbstractContextManager[Connection]:
        """A connection whose reads see one snapshot: documents agree with the mark."""
        ...

    def mark(self, connection: Connection) -> int:
        """How far a sync on `connection` may replay: every change up to it is visible."""
        ...

    def changed(self, connection: Connection, *, after: int, upto: int, most: int) -> list[int]:
        """Papers changed between two marks (at most `most`; -1: all)."""
        ...

    def holds_all(self, session: Session | Connection, mark: int) -> bool:
        """Whether an index at `mark` holds every change `session` can see."""
        ...

    def replayable(self, connection: Connection, mark: int) -> bool:
        """Whether the log still holds every change after `mark` (else: rebuild)."""
        ...

    def prune(self, session: Session, mark: int) -> int:
        """Drop entries no index needs any more; returns how many."""
        ...


class SqliteChangeLog:
    """`search_text_changes(seq, paper_id)`, one index folder per database file."""

    every_document = text(_EVERY_SQLITE).execution_options(**_STREAM)
    some_documents = _some(_EVERY_SQLITE)
    _last = text("SELECT seq FROM sqlite_sequence WHERE name = 'search_text_changes'")
    _changed = text(
        "SELECT DISTINCT paper_id FROM search_text_changes WHERE seq > :after AND seq <= :upto "
        "LIMIT :most"
    )

    @contextmanager
    def reading(self, engine: Engine) -> Iterator[Connection]:
        with engine.connect() as connection:  # pysqlite reads in one transaction until closed
            yield connection

    def mark(self, connection: Connection) -> int:
        return int(connection.scalar(self._last) or 0)

    def changed(self, connection: Connection, *, after: int, upto: int, most: int) -> list[int]:
        found = connection.scalars(self._changed, {"after": after, "upto": upto, "most": most})
        return list(found)

    # The log's last seq never falls (AUTOINCREMENT), so a mark above it means the folder
    # was written for another database at this path (the file deleted and made anew): that
    # index holds nothing of this one, and is rebuilt.

    def holds_all(self, session: Session | Connection, mark: int) -> bool:
        return int(session.scalar(self._last) or 0) == mark  # own writes included

    def replayable(self, connection: Connection, mark: int) -> bool:
        # one folder per file: only it prunes, and only what it replayed
        return mark <= self.mark(connection)

    def prune(self, session: Session, mark: int) -> int:
        statement = text("DELETE FROM search_text_changes WHERE seq <= :seq")
        return session.connection().execute(statement, {"seq": mark}).rowcount


def _xid(name: str) -> str:
    """A bound integer as xid8 (no cast from bigint exists)."""
    return f"CAST(CAST(:{name} AS text) AS xid8)"


class PostgresChangeLog:
    """`search_text_changes(xid, paper_id, logged_at)` and `search_text_horizon(xid)`; each
    web node keeps its own index folder, so rows are pruned by age, not by one node's mark."""

    every_document = text(_EVERY_POSTGRES).execution_options(**_STREAM)
    some_documents = _some(_DOCUMENT.format(authors=_ONE_POSTGRES) + " WHERE NOT p.hidden")
    _xmin = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
    _changed = text(
        "SELECT DISTINCT paper_id FROM search_text_changes "
        f"WHERE xid >= {_xid('after')} AND xid < {_xid('upto')} LIMIT :most"
    )
    _holds_all = text(
        f"SELECT (SELECT xid FROM search_text_horizon) < {_xid('mark')} AND NOT EXISTS "
        f"(SELECT 1 FROM search_text_changes WHERE xid >= {_xid('mark')})"
    )
    _replayable = text(f"SELECT (SELECT xid FROM search_text_horizon) < {_xid('mark')}")
    # Old rows, never one a running transaction could still add to: the horizon stays below
    # every later xmin, so a fresh build is never taken for one that missed a prune.
    _prune = text(
        "WITH gone AS (DELETE FROM search_text_changes WHERE logged_at < now() - :keep "
        "AND xid < pg_snapshot_xmin(pg_current_snapshot()) RETURNING xid) "
        "UPDATE search_text_horizon SET xid = greatest(xid, (SELECT max(xid) FROM gone)) "
        "WHERE EXISTS (SELECT 1 FROM gone) RETURNING (SELECT count(*) FROM gone)"
    )

    @contextmanager
    def reading(self, engine: Engine) -> Iterator[Connection]:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="REPEATABLE READ")
            yield connection

    def mark(self, connection: Connection) -> int:
        return int(connection.scalar(self._xmin) or 0)

    def changed(self, connection: Connection, *, after: int, upto: int, most: int) -> list[int]:
        limit = None if most < 0 else most
        found = connection.scalars(self._changed, {"after": after, "upto": upto, "most": limit})
        return list(found)

    def holds_all(self, session: Session | Connection, mark: int) -> bool:
        return bool(session.scalar(self._holds_all, {"mark": mark}))

    def replayable(self, connection: Connection, mark: int) -> bool:
        return bool(connection.scalar(self._replayable, {"mark": mark}))

    def prune(self, session: Session, mark: int) -> int:
        found = session.connection().execute(self._prune, {"keep": LOG_RETENTION})
        return int(found.scalar() or 0)
