"""Set-based statements for the bulk loader, fast on both SQLite and PostgreSQL.

Both backends get one statement per batch whatever its size. PostgreSQL: values travel as
arrays, `= ANY(:array)` replaces long `IN` lists and `INSERT ... SELECT * FROM unnest(...)`
replaces a round trip per row. SQLite: values travel as one JSON array, read by `json_each`
(`INSERT ... SELECT value ->> 0, ... FROM json_each(:rows)`, `IN (SELECT value FROM
json_each(:values))`). A statement costs SQLite little, but one run per row of an
executemany costs a statement journal and a begin of the full-text virtual table each time
(the row triggers of papers and paper_authors touch it): 433,000 author links took 29 s that
way and 8 s as one statement (load about 7), the triggers firing for every row all the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Connection,
    Row,
    Table,
    any_,
    bindparam,
    func,
    literal_column,
    null,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.types import TypeDecorator

from dailypapers.db.engine import BINARY_LISTS

_CHUNK = 20_000  # values in one array or JSON list


BULK_CHECKPOINT_PAGES = 16_384  # pages of 4 KB in SQLite's write-ahead log between copies


def _is_postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def begin_batch(connection: Connection) -> None:
    """Start the batch's write transaction now (SQLite: BEGIN IMMEDIATE, FKs deferred).

    SQLite's driver would begin only at the first write, after the batch's reads: taking the
    write lock first makes reads, id allocation and writes one consistent transaction.
    """
    if _is_postgres(connection):
        return
    if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        # Outside a transaction only: a bulk writer's commits copy the log into the file
        # every 64 MB instead of every 4 MB (SQLite's default of 1,000 pages), each copy
        # ending in an fsync: 75k papers imported in 35.3-35.9 s instead of 36.8-37.7.
        connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")


def next_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """Ids for the next `count` rows of `table`, in order, as an INSERT would take them.

    SQLite: max + 1 onwards (the write lock is held, see `begin_batch`); PostgreSQL: from
    the column's sequence.
    """
    if count == 0:
        return []
    if _is_postgres(connection):
        query = text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
        )
        return sorted(connection.execute(query, {"table": table.name, "n": count}).scalars())
    start = (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1
    return list(range(start, start + count))


def insert_family(
    connection: Connection,
    parent: Table,
    parent_rows: list[dict[str, Any]],
    child: Table,
    child_rows: list[dict[str, Any]],
) -> None:
    """Insert parents (ids given) with their children so parent row triggers see both.

    Triggers on the parent (a full-text index of papers with their authors, say) then run
    once per parent, with its children present, instead of once for the parent and again
    for its children. SQLite: the children first, foreign keys being checked at commit
    (`begin_batch`). PostgreSQL: one statement whose data-modifying WITH inserts the
    children before the parents; its foreign-key checks and triggers fire at its end, the
    children's statement trigger first, when the parents are not indexed yet.
    """
    if not parent_rows:
        insert_rows(connection, child, child_rows)
        return
    if not child_rows or not _is_postgres(connection):
        insert_rows(connection, child, child_rows)
        insert_rows(connection, parent, parent_rows)
        return
    child_sql, params = _unnest_insert_sql(connection, child, child_rows, prefix="c")
    parent_sql, parent_params = _unnest_insert_sql(connection, parent, parent_rows, prefix="p")
    sql = (
        f"WITH children AS ({child_sql} RETURNING 1) "
        f"{parent_sql} WHERE (SELECT count(*) FROM children) >= 0"
    )
    connection.execute(text(sql), params | parent_params, execution_options=BINARY_LISTS)


def select_in(
    connection: Connection,
    columns: Sequence[Any],
    column: ColumnElement[Any],
    values: Sequence[Any],
) -> Iterator[RowMapping]:
    """Rows of `columns` where `column` is one of `values` (duplicates are harmless)."""
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), _CHUNK):
        condition = one_of(connection, column, unique[start : start + _CHUNK])
        statement = select(*columns).where(condition)
        yield from connection.execute(statement, execution_options=BINARY_LISTS).mappings()


def delete_in(connection: Connection, table: Table, column: Column[Any], values: list[Any]) -> None:
    for start in range(0, len(values), _CHUNK):
        condition = one_of(connection, column, values[start : start + _CHUNK])
        connection.execute(table.delete().where(condition), execution_options=BINARY_LISTS)


def one_of(connection: Connection, column: ColumnElement[Any], values: list[Any]) -> Any:
    """`column = ANY(:array)` on PostgreSQL, `column IN (SELECT value FROM json_each(:json))`
    on SQLite (a long IN list would be a statement per 500 values)."""
    if _is_postgres(connection):
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    process = _sqlite_bind(column, connection.dialect)  # type: ignore[arg-type]
    encoded = _json_values([process(value) for value in values])
    if encoded is None:
        return column.in_(values)  # a few values; rare (see _json_values)
    return column.in_(select(literal_column("value")).select_from(func.json_each(encoded)))


def insert_rows(
    connection: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    skip_conflicts_on: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[Row[*tuple[Any, ...]]]:
    """INSERT every row (all with the same keys) [ON CONFLICT (...) DO NOTHING] [RETURNING ...].

    With `skip_conflicts_on`, rows that would break that unique key are left out, and
    `returning` gives only the rows inserted.
    """
    if not rows:
        return []
    if _is_postgres(connection):
        return _insert_unnest(connection, table, rows, skip_conflicts_on, returning)
    payload = _json_rows(connection, table, rows)
    if payload is not None:
        return _insert_json(connection, table, payload, skip_conflicts_on, returning)
    return _insert_many(connection, table, rows, skip_conflicts_on, returning)


def _insert_many(
    connection: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    skip_conflicts_on: Sequence[str],
    returning: Sequence[str],
) -> list[Row[*tuple[Any, ...]]]:
    """SQLite's executemany: for values JSON cannot carry (bytes, NUL characters, NaN)."""
    json_columns = [name for name in rows[0] if isinstance(table.c[name].type, JSON)]
    if json_columns:
        rows = [row | {n: null() for n in json_columns if row[n] is None} for row in rows]
    statement = sqlite.insert(table)
    if skip_conflicts_on:
        statement = statement.on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
    if not returning:
        connection.execute(statement, rows)
        return []
    return list(connection.execute(statement.returning(*(table.c[n] for n in returning)), rows))


@dataclass(slots=True)
class _JsonRows:
    names: list[str]
    text: str  # [[v, ...], ...]: each row's values as the driver would get them


def _json_rows(
    connection: Connection, table: Table, rows: list[dict[str, Any]]
) -> _JsonRows | None:
    """`rows` (with their Python-side defaults) as one JSON array of arrays, the values
    converted by their column types as a bound parameter would be; None when a value is
    one that JSON would not carry back unchanged."""
    rows = _with_defaults(table, rows)
    names = list(rows[0])
    converters = [_sqlite_bind(table.c[name], connection.dialect) for name in names]
    values = [[c(row[n]) for c, n in zip(converters, names, strict=True)] for row in rows]
    encoded = _json_values(values)
    return None if encoded is None else _JsonRows(names, encoded)


def _json_values(values: list[Any]) -> str | None:
    """`values` as JSON that SQLite reads back unchanged; None when there is no such JSON."""
    try:
        encoded = json.dumps(values, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # bytes, NaN
        return None
    if "\\u0000" in encoded:  # SQLite's JSON functions would cut a string at a NUL
        return None
    return encoded


def _sqlite_bind(column: Column[Any], dialect: Any) -> Callable[[Any], Any]:
    """What SQLite's driver gets for a value of `column` (a JSON None is SQL NULL)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return _same
    if isinstance(column.type, JSON):
        return lambda value: None if value is None else process(value)
    return process


def _same(value: Any) -> Any:
    return value


def _insert_json(
    connection: Connection,
    table: Table,
    payload: _JsonRows,
    skip_conflicts_on: Sequence[str],
    returning: Sequence[str],
) -> list[Row[*tuple[Any, ...]]]:
    """INSERT ... SELECT value ->> 0, ... FROM json_each(:rows): one statement for all rows."""
    quote = connection.dialect.identifier_preparer.quote
    values = ", ".join(f"value ->> {i}" for i in range(len(payload.names)))
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in payload.names)}) "
        f"SELECT {values} FROM json_each(:rows) WHERE true"  # WHERE: ON CONFLICT may follow
    )
    if skip_conflicts_on:
        sql += f" ON CONFLICT ({', '.join(quote(n) for n in skip_conflicts_on)}) DO NOTHING"
    if not returning:
        connection.execute(text(sql), {"rows": payload.text})
        return []
    sql += f" RETURNING {', '.join(quote(n) for n in returning)}"
    statement = text(sql).columns(*(table.c[n] for n in returning))
    return list(connection.execute(statement, {"rows": payload.text}))


def json_null(column: Column[Any], value: Any) -> Any:
    """None means SQL NULL, as when the ORM leaves a column out (JSON would store 'null')."""
    return null() if value is None and isinstance(column.type, JSON) else value


def _insert_unnest(
    connection: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    skip_conflicts_on: Sequence[str],
    returning: Sequence[str],
) -> list[Row[*tuple[Any, ...]]]:
    quote = connection.dialect.identifier_preparer.quote
    sql, params = _unnest_insert_sql(connection, table, rows, prefix="p")
    if skip_conflicts_on:
        sql += f" ON CONFLICT ({', '.join(quote(n) for n in skip_conflicts_on)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(quote(n) for n in returning)}"
    result = connection.execute(text(sql), params, execution_options=BINARY_LISTS)
    return list(result) if returning else []


def _unnest_insert_sql(
    connection: Connection, table: Table, rows: list[dict[str, Any]], *, prefix: str
) -> tuple[str, dict[str, Any]]:
    """`INSERT INTO table (...) SELECT * FROM unnest(:prefix0, ...)` and its array values."""
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    rows = _with_defaults(table, rows)
    names = list(rows[0])
    casts, params = [], {}
    for i, name in enumerate(names):
        column = table.c[name]
        casts.append(f"CAST(:{prefix}{i} AS {column.type.compile(dialect=dialect)}[])")
        params[f"{prefix}{i}"] = [_pg_value(column, row[name], dialect) for row in rows]
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"SELECT * FROM unnest({', '.join(casts)})"
    )
    return sql, params


def _with_defaults(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill the Python-side column defaults that a textual INSERT would not apply."""
    defaults = {}
    for column in table.columns:
        default = column.default
        if column.name in rows[0] or default is None or not hasattr(default, "arg"):
            continue
        value = default.arg
        defaults[column.name] = value(None) if callable(value) else value
    return [row | defaults for row in rows] if defaults else rows


def _pg_value(column: Column[Any], value: Any, dialect: Any) -> Any:
    """What the column's type would send for `value`, as one element of an array."""
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        return column_type.process_bind_param(value, dialect)
    if isinstance(column_type, JSON):
        return None if value is None else json.dumps(value)
    return value
