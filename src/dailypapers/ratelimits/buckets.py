"""Windows of hits in the database: one upsert per hit, atomic on SQLite and PostgreSQL.

A client's first hit opens a window of `seconds`; up to `hits` hits are allowed in it, the
rest are refused until it ends, and the next hit after that opens a new one. The upsert
decides, counts and answers in one statement, so concurrent hits from any number of
processes or nodes never count twice or miss one. A window that has ended is the same as no
row: such rows are pruned.
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
    """Count one hit: 0 when allowed, else the seconds until the window ends."""
    ended = literal(now) >= Bucket.window_start + seconds
    fresh = {"action": action, "client": client[:200], "window_start": now, "hits": 1}
    upsert = (
        _insert(conn, fresh | {"allowed": True})
        .on_conflict_do_update(
            index_elements=[Bucket.action, Bucket.client],
            set_={
                "window_start": case((ended, literal(now)), else_=Bucket.window_start),
                "hits": case((ended, 1), (Bucket.hits < hits, Bucket.hits + 1), else_=Bucket.hits),
                "allowed": ended | (Bucket.hits < hits),
            },
        )
        .returning(Bucket.window_start, Bucket.allowed)
    )
    window_start, allowed = conn.execute(upsert).one()
    return 0.0 if allowed else max(window_start + seconds - now, 0.001)


def prune(conn: Connection, *, action: str, seconds: float, now: float) -> int:
    """Delete the rows of `action` whose window has ended."""
    gone = conn.execute(
        delete(Bucket).where(Bucket.action == action, Bucket.window_start <= now - seconds)
    )
    return int(gone.rowcount or 0)


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(Bucket)).scalar_one())


def clear(conn: Connection) -> None:
    conn.execute(delete(Bucket))
