"""Streaming replicas for reads: which one is usable now, checked at most once a second.

A replica is usable when it answers and its replay lag is at most `max_lag` seconds. The lag
is 0 while its WAL receiver streams and has replayed all it received, else the time since
the last transaction it replayed (`pg_last_xact_replay_timestamp()`): a replica cut off from
its primary falls behind by the clock. A replica that fails a check or a query is skipped
for DOWN_SECONDS, then checked again: it comes back by itself once it recovers.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from dailypapers.db.engine import make_engine, session_factory

log = logging.getLogger(__name__)
CHECK_SECONDS = 1.0
DOWN_SECONDS = 3.0
CONNECT_TIMEOUT_SECONDS = 2

LAG = text(
    """
    SELECT CASE
      WHEN NOT pg_is_in_recovery() THEN 0
      WHEN EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')
           AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
      ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
    END
    """
)


@dataclass(eq=False)
class Replica:
    name: str  # host:port, for the logs
    engine: Engine
    sessions: sessionmaker[Session]
    usable: bool = False
    checked_at: float = float("-inf")
    lag: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class ReplicaSet:
    """The replicas of one primary, picked round-robin among the usable ones."""

    def __init__(
        self,
        urls: list[str],
        *,
        max_lag: float,
        clock: Callable[[], float] = time.monotonic,
        data_dir: Path | None = None,
        pool: dict[str, Any] | None = None,
    ) -> None:
        self.max_lag = max_lag
        self.clock = clock
        self.replicas = [_replica(url, data_dir, pool or {}) for url in urls]
        self._turn = itertools.count()

    def pick(self) -> Replica | None:
        """A usable replica, or None: then the primary answers."""
        start = next(self._turn)
        for offset in range(len(self.replicas)):
            replica = self.replicas[(start + offset) % len(self.replicas)]
            if self._usable(replica):
                return replica
        return None

    def mark_down(self, replica: Replica) -> None:
        """A query on `replica` failed: skip it until its next check."""
        replica.usable = False
        replica.checked_at = self.clock()
        log.warning("replica %s failed a query; reads go elsewhere for now", replica.name)

    def dispose(self) -> None:
        for replica in self.replicas:
            replica.engine.dispose()

    def _usable(self, replica: Replica) -> bool:
        wait = CHECK_SECONDS if replica.usable else DOWN_SECONDS
        if self.clock() - replica.checked_at >= wait and replica.lock.acquire(blocking=False):
            try:  # one thread checks; the others use the last verdict meanwhile
                self._check(replica)
            finally:
                replica.lock.release()
        return replica.usable

    def _check(self, replica: Replica) -> None:
        try:
            with replica.engine.connect() as conn:
                replica.lag = float(conn.execute(LAG).scalar_one())
        except DBAPIError as exc:
            replica.lag = None
            if replica.usable:
                log.warning("replica %s is unreachable: %s", replica.name, exc.orig)
        usable = replica.lag is not None and replica.lag <= self.max_lag
        if replica.usable and replica.lag is not None and not usable:
            log.warning("replica %s lags %.1f s; reads go elsewhere", replica.name, replica.lag)
        replica.usable = usable
        replica.checked_at = self.clock()


def _replica(url: str, data_dir: Path | None, pool: dict[str, Any]) -> Replica:
    timeout = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    engine = make_engine(url, data_dir=data_dir, connect_args=timeout, **pool)
    name = f"{engine.url.host or 'local'}:{engine.url.port or 5432}"
    return Replica(name, engine, session_factory(engine))


def replica_set(
    urls: str, *, max_lag: float, data_dir: Path | None = None, pool: dict[str, Any] | None = None
) -> ReplicaSet | None:
    """The replicas named in a comma-separated setting, or None when there are none; `pool`:
    the engines' pool sizes (web/admission.py)."""
    listed = [url.strip() for url in urls.split(",") if url.strip()]
    return ReplicaSet(listed, max_lag=max_lag, data_dir=data_dir, pool=pool) if listed else None
