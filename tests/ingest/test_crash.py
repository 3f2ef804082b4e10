"""kill -9 a snapshot import midway, run it again: the database ends as after one clean run."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, delete, func, select

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.pipeline import import_records
from dailypapers.ingest.snapshot import SnapshotFilter, SnapshotReader
from dailypapers.papers.models import Author, DailyEntry, Organization, Paper, PaperAuthor
from tests.ingest.test_bulk import _dump

LINES = 600
BATCH = 5
KILL_AFTER_BATCHES = 7


def _slice_of_the_75k(shared_data: Path, folder: Path) -> Path:
    path = folder / "slice.jsonl.gz"
    with gzip.open(shared_data / "arxiv-cs-75k.snapshot.jsonl.gz", "rb") as source:
        path.write_bytes(gzip.compress(b"".join(itertools.islice(source, LINES))))
    return path


def _papers(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(Paper)) or 0


def test_kill_midway_and_rerun(
    engine: Engine, db_url: str, tmp_path: Path, shared_data: Path
) -> None:
    snapshot = _slice_of_the_75k(shared_data, tmp_path)
    env = os.environ | {
        "DAILYPAPERS_DATABASE_URL": db_url,
        "DAILYPAPERS_DATA_DIR": str(tmp_path / "var"),
        "DAILYPAPERS_LOG_LEVEL": "DEBUG",  # one log line per committed batch
    }
    command = [sys.executable, "-c", "from dailypapers.cli.main import main; main()"]
    command += ["import", "snapshot", str(snapshot), "--daily", "--batch-size", str(BATCH)]
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as child:
        assert child.stderr is not None
        committed = 0
        for line in child.stderr:
            committed += "committed batch" in line
            if committed == KILL_AFTER_BATCHES:
                child.send_signal(signal.SIGKILL)
                break
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    loaded = _papers(engine)
    assert KILL_AFTER_BATCHES * BATCH <= loaded < LINES  # the kill landed midway

    rerun = subprocess.run([*command, "--json"], env=env, capture_output=True, check=False)
    assert rerun.returncode == 0, rerun.stderr.decode()
    summary = json.loads(rerun.stdout)
    assert summary["created"] == LINES - loaded and summary["unchanged"] == loaded
    with unit_of_work(engine) as session:
        after_crash = _dump(session)

    with unit_of_work(engine) as session:  # the same file, once, without a crash
        for model in (DailyEntry, PaperAuthor, Paper, Author, Organization):
            session.execute(delete(model))
    import_records(engine, SnapshotReader(snapshot, SnapshotFilter(daily=True)))
    with unit_of_work(engine) as session:
        clean = _dump(session)
    assert len(clean["papers"]) == LINES
    assert after_crash == clean
