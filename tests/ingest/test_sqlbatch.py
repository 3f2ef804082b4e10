"""The set-based statements write what a row-by-row executemany would, value for value.

On SQLite a batch travels as one JSON array (`json_each`); values JSON cannot carry back
unchanged (a NUL character) take the executemany path instead. Either way the rows read
back equal those the ORM-level insert gives.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.dialects import sqlite

from dailypapers.ingest.bulk import DAILY, PAPERS
from dailypapers.ingest.sqlbatch import _json_rows, delete_in, insert_rows, select_in

_WHEN = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _paper(pid: int, **values: Any) -> dict[str, Any]:
    row = {
        "id": pid,
        "key": f"k{pid}",
        "title": f'Title {pid} — ünïcode "quoted" \\ back\nslash',
        "abstract": "",
        "published_at": _WHEN,
        "updated_at": None,
        "categories": ["cs.CL", "cs.LG"],
        "ai_keywords": None,  # SQL NULL, not the JSON text 'null'
        "github_stars": 0,
        "hidden": False,
        "created_at": _WHEN,
        "modified_at": _WHEN,
    }
    return row | values


def _stored(engine: Engine, table: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(table).order_by(*table.primary_key))]


def test_sqlite_batches_travel_as_json() -> None:
    rows = [_paper(1), _paper(2, abstract="a NUL \x00 inside")]
    assert _json_rows_of(rows[:1]) is not None
    assert _json_rows_of(rows) is None  # executemany instead


def _json_rows_of(rows: list[dict[str, Any]]) -> object:
    class _Connection:  # what _json_rows reads of a connection
        dialect = sqlite.dialect()

    return _json_rows(_Connection(), PAPERS, rows)  # type: ignore[arg-type]


def test_insert_rows_stores_what_an_insert_stores(engine: Engine) -> None:
    rows = [_paper(1, abstract="plain"), _paper(2, updated_at=_WHEN, ai_keywords=["x"])]
    if engine.dialect.name == "sqlite":  # PostgreSQL refuses NUL characters in text
        rows.append(_paper(3, abstract="a NUL \x00 inside"))
    with engine.begin() as connection:
        copies = [r | {"id": r["id"] + 10, "key": r["key"] + "o"} for r in rows]
        connection.execute(insert(PAPERS), copies)
        insert_rows(connection, PAPERS, rows[:2])
        insert_rows(connection, PAPERS, rows[2:])  # SQLite: by executemany
        days = [{"paper_id": 1, "day": date(2026, 2, 19), "submitted_at": _WHEN}]
        insert_rows(connection, DAILY, days)
        assert insert_rows(connection, DAILY, days, skip_conflicts_on=["paper_id", "day"]) == []
    stored = {row[0]: row[1:] for row in _stored(engine, PAPERS)}
    assert len(stored) == 2 * len(rows)
    for row in rows:
        pid = row["id"]
        mine, reference = stored[pid], stored[pid + 10]
        assert (mine[0], reference[0]) == (f"k{pid}", f"k{pid}o")
        assert mine[1:] == reference[1:]
        assert mine[4] == row["abstract"]  # whole, NUL included
    assert len(_stored(engine, DAILY)) == 1
    with engine.begin() as connection:
        found = {r["key"] for r in select_in(connection, [PAPERS.c.key], PAPERS.c.id, [1, 2, 2])}
        assert found == {"k1", "k2"}
        delete_in(connection, DAILY, DAILY.c.paper_id, [1])
    assert _stored(engine, DAILY) == []
