"""`run_source`, the step every import goes through, beyond loading the records."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from dailypapers.ingest.run import Source, run_source
from dailypapers.ingest.snapshot import SnapshotReader

_TABLES = ("papers", "paper_authors")


def _planned_rows(engine: Engine) -> dict[str, float]:
    """What PostgreSQL's planner believes each table holds (-1: never analyzed)."""
    statement = text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:tables)")
    with engine.connect() as connection:
        rows = connection.execute(statement, {"tables": list(_TABLES)})
        return {name: float(count) for name, count in rows}


def _true_rows(engine: Engine) -> dict[str, float]:
    with engine.connect() as connection:
        return {
            name: float(connection.scalar(text(f"SELECT count(*) FROM {name}")) or 0)
            for name in _TABLES
        }


def test_a_large_import_leaves_the_planner_knowing_the_tables(
    engine: Engine, shared_data: Path
) -> None:
    """PostgreSQL: right after an import that grew the catalogue, the statistics match it,
    so the statements that follow (the keyword index build reads every paper with its
    authors) are not planned for empty tables. SQLite: the import runs the same."""
    source = Source(SnapshotReader(shared_data / "arxiv-snapshot-sample-200.jsonl"))
    if engine.dialect.name != "postgresql":
        assert run_source(engine, source).created > 100
        return
    before = _planned_rows(engine)
    summary = run_source(engine, source)
    true_rows = _true_rows(engine)
    assert summary.created == true_rows["papers"] > 100
    assert before != true_rows
    assert _planned_rows(engine) == true_rows
