"""Workers as separate processes: two at once never run a job twice; a worker killed with
SIGKILL mid-job has the job run again by the next worker started on the machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, select

from dailypapers.db.engine import unit_of_work
from dailypapers.jobs.models import JobRun

WORKER = """
import os, sys, time
from datetime import UTC, datetime
from dailypapers.db.engine import make_engine
from dailypapers.jobs.registry import Job
from dailypapers.jobs.worker import run_due
from dailypapers.settings import Settings

url, log, pause, count = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])

def work(name):
    def run(context):
        with open(log, "a") as out:
            out.write(f"{name} start {os.getpid()}\\n")
        time.sleep(pause)
        with open(log, "a") as out:
            out.write(f"{name} done {os.getpid()}\\n")
        return "ok"
    return run

jobs = [Job(f"job{n}", lambda s: "daily 00:00", work(f"job{n}")) for n in range(count)]
settings = Settings(env="test", database_url=url, secret_key="k" * 32, data_dir=sys.argv[5])
engine = make_engine(url)
run_due(engine, settings, jobs, now=datetime(2026, 2, 19, 12, tzinfo=UTC))
engine.dispose()
"""


def _worker(db_url: str, log: Path, pause: float, count: int) -> subprocess.Popen[bytes]:
    args = [db_url, str(log), str(pause), str(count), str(log.parent / "var")]
    return subprocess.Popen([sys.executable, "-c", WORKER, *args])


def _lines(log: Path) -> list[list[str]]:
    return [line.split() for line in log.read_text().splitlines()] if log.exists() else []


def _statuses(engine: Engine) -> dict[str, str]:
    with unit_of_work(engine) as session:
        return {run.name: run.status for run in session.scalars(select(JobRun))}


def test_two_worker_processes_never_run_a_job_twice(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    log = tmp_path / "runs.log"
    workers = [_worker(db_url, log, 0.3, 6) for _ in range(2)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    starts = [name for name, event, _ in _lines(log) if event == "start"]
    assert sorted(starts) == [f"job{n}" for n in range(6)]  # each job once, none missing
    pids = {pid for _, _, pid in _lines(log)}
    assert pids <= {str(w.pid) for w in workers}
    assert _statuses(engine) == {f"job{n}": "ok" for n in range(6)}


def test_a_worker_killed_mid_job_has_it_resumed_at_the_next_start(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    log = tmp_path / "runs.log"
    doomed = _worker(db_url, log, 120, 1)
    deadline = time.monotonic() + 60
    while not _lines(log) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _lines(log) == [["job0", "start", str(doomed.pid)]]
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=30)
    assert _statuses(engine) == {"job0": "running"}  # left behind by the dead worker
    second = _worker(db_url, log, 0, 1)
    assert second.wait(timeout=120) == 0
    assert _lines(log)[1:] == [
        ["job0", "start", str(second.pid)],
        ["job0", "done", str(second.pid)],
    ]
    assert _statuses(engine) == {"job0": "ok"}
