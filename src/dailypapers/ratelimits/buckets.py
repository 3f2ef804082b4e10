"""Token buckets in the database: one upsert per hit, atomic on SQLite and PostgreSQL.

A bucket holds `hits` tokens and refills at `hits / seconds` tokens a second; a hit takes
one token or is refused. The upsert computes the refill, the take and the verdict in one
statement, so concurrent hits from any number of processes or nodes never count twice or
miss one. A bucket untouched for a whole window is full again, the same as no row: such
rows are pruned.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from dailypapers.ratelimits.models import RateLimitBucket as Bucket


def _insert(conn: Connection, values: dict[str, Any]) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(Bucket).values(values)
    return sqlite.insert(Bucket).values(values)


def take(
    conn: Connection, *, action: str, client: str, hits: int, seconds: float, now: float
) -> float:
    """Take one token: 0 when allowed, else the seconds until a token is back."""
    rate = hits / seconds
    old = Bucket
    elapsed = case((literal(now) > old.updated_at, literal(now) - old.updated_at), else_=0.0)
    refilled = old.tokens + elapsed * rate
    capped = case((refilled > hits, float(hits)), else_=refilled)
    first = {"action": action, "client": client[:200], "tokens": hits - 1.0, "allowed": True}
    insert = _insert(conn, first | {"updated_at": now})
    upsert = insert.on_conflict_do_update(
        index_elements=[old.action, old.client],
        set_={
            "tokens": case((capped >= 1, capped - 1), else_=capped),
            "updated_at": case((literal(now) > old.updated_at, literal(now)), else_=old.updated_at),
            "allowed": capped >= 1,
        },
    ).returning(old.tokens, old.allowed)
    tokens, allowed = conn.execute(upsert).one()
    return 0.0 if allowed else max((1 - tokens) / rate, 0.001)


def prune(conn: Connection, *, action: str, seconds: float, now: float) -> int:
    """Delete the buckets of `action` that have been full again for a while."""
    gone = conn.execute(
        delete(Bucket).where(Bucket.action == action, Bucket.updated_at < now - seconds)
    )
    return int(gone.rowcount or 0)


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(Bucket)).scalar_one())


def clear(conn: Connection) -> None:
    conn.execute(delete(Bucket))
