"""Engines and units of work. The transaction belongs to the edge: `unit_of_work` commits."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given without a driver."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


DATA_DIR_OPTION = "dailypapers_data_dir"
# Execution option: send this statement's list parameters (PostgreSQL arrays) in binary.
# psycopg's text format escapes every element in Python; binary sends each one as it is, 15
# times faster for a list of abstracts (a bulk import's `unnest` arrays spent about 12 s of
# its 75k-paper run there). Opt-in per statement: a binary array has a definite type (text[],
# int2[], ...) where a text one is left for the server to infer, e.g. as an enum's array.
BINARY_LISTS_OPTION = "dailypapers_binary_lists"
BINARY_LISTS = {BINARY_LISTS_OPTION: True}


def make_engine(url: str, *, data_dir: Path | None = None, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL
    statements are planned with their parameters each time.

    `data_dir`: the DATA_DIR of the settings the engine serves, carried as an execution
    option (`data_dir_of`) for what keeps files per node, such as PostgreSQL's keyword index.
    """
    engine = _engine(url, **kwargs)
    if data_dir is None:
        return engine
    return engine.execution_options(**{DATA_DIR_OPTION: str(data_dir)})


def data_dir_of(engine: Engine) -> Path | None:
    """The DATA_DIR `make_engine` was given for this engine, if any."""
    value = engine.get_execution_options().get(DATA_DIR_OPTION)
    return Path(value) if value else None


def _engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No server-side prepared statements: after five runs PostgreSQL may switch a prepared
    # statement to a generic plan, blind to its parameters (a day, a search's terms), and
    # a long-running web process got slower and slower. (PgBouncer in transaction mode needs
    # this too.)
    connect_args = {"prepare_threshold": None} | kwargs.pop("connect_args", {})
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    event.listen(engine, "before_cursor_execute", _binary_lists)
    return engine


def _binary_lists(
    _connection: Any, cursor: Any, _sql: str, _params: Any, context: Any, _many: bool
) -> None:
    """Lists in binary for a statement run with `BINARY_LISTS` (this cursor only)."""
    if context is not None and context.execution_options.get(BINARY_LISTS_OPTION):
        from psycopg.types.array import ListBinaryDumper

        cursor.adapters.register_dumper(list, ListBinaryDumper)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    with suppress(sqlite3.OperationalError):  # a read-only file: reads work, writes fail
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: commit when the block ends, roll back when it raises."""
    with session_factory(engine)() as session, session.begin():
        yield session


def analyze(engine: Engine, tables: tuple[str, ...] = ()) -> None:
    """PostgreSQL: gather the statistics of `tables` (every table when empty) now, so the
    statements that follow a bulk write are not planned for the empty tables autovacuum has
    not looked at yet (each node's keyword index build reads every paper with its authors).
    SQLite: nothing."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"ANALYZE {', '.join(tables)}"))
