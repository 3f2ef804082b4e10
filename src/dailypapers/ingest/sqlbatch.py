"""Set-based statements for the bulk loader, fast on both SQLite and PostgreSQL.

SQLite gets plain executemany (its driver is in-process, a statement costs microseconds) and
`IN (...)` lists. PostgreSQL gets one statement per batch whatever its size: values travel as
arrays, `= ANY(:array)` replaces long `IN` lists and `INSERT ... SELECT * FROM unnest(...)`
replaces a round trip per row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
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
    null,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.types import TypeDecorator

_SQLITE_CHUNK = 500  # values in one IN (...) list, well below SQLite's variable limit
_POSTGRES_CHUNK = 20_000


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
    connection.execute(text(sql), params | parent_params)


def select_in(
    connection: Connection,
    columns: Sequence[Any],
    column: ColumnElement[Any],
    values: Sequence[Any],
) -> Iterator[RowMapping]:
    """Rows of `columns` where `column` is one of `values` (duplicates are harmless)."""
    unique = list(dict.fromkeys(values))
    size = _POSTGRES_CHUNK if _is_postgres(connection) else _SQLITE_CHUNK
    for start in range(0, len(unique), size):
        chunk = unique[start : start + size]
        if _is_postgres(connection):
            condition = column == any_(bindparam(None, chunk, type_=postgresql.ARRAY(column.type)))
        else:
            condition = column.in_(chunk)
        yield from connection.execute(select(*columns).where(condition)).mappings()


def delete_in(connection: Connection, table: Table, column: Column[Any], values: list[Any]) -> None:
    for start in range(0, len(values), _SQLITE_CHUNK):
        connection.execute(table.delete().where(column.in_(values[start : start + _SQLITE_CHUNK])))


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
    result = connection.execute(text(sql), params)
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
