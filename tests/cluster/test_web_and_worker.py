"""`serve --workers 4` on PostgreSQL runs no job; `dailypapers worker` beside it runs them all.

Real processes, as a deployment runs them: the web node is `dailypapers serve` with four
processes, the worker is the `dailypapers worker` command. Every job is made due each second,
so a scheduler hiding in a web process would show up in `job_runs` within the wait.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from dailypapers.db.engine import unit_of_work
from dailypapers.jobs.models import JobRun
from tests.cluster.harness import cli, node_env, start_node, wait_ready
from tests.live_server import free_port

EVERY_SECOND = {
    "embed_schedule": "every 1s",
    "digest_deliver_schedule": "every 1s",
    "arxiv_fetch_schedule": "off",  # the suite never calls arXiv
    "digest_send_schedule": "off",
    "worker_poll_seconds": "0.1",
}


def _runs(db_url: str) -> list[tuple[str, str]]:
    engine = create_engine(db_url)
    try:
        with unit_of_work(engine) as session:
            return [tuple(row) for row in session.execute(select(JobRun.name, JobRun.worker))]
    finally:
        engine.dispose()


def _serve(env: dict[str, str], tmp_path: Path, workers: int, seconds: float) -> None:
    node = start_node(env, free_port(), workers=workers, log=tmp_path / f"serve-{workers}.log")
    try:
        wait_ready(node.url, node.process)
        time.sleep(seconds)
    finally:
        node.kill()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_four_web_processes_run_no_job_and_the_worker_command_runs_them(
    db_url: str, tmp_path: Path
) -> None:
    env = node_env(db_url, tmp_path / "var", **EVERY_SECOND)
    _serve(env, tmp_path, workers=4, seconds=5)
    assert _runs(db_url) == [], (tmp_path / "serve-4.log").read_text()[-2000:]

    cli(env, "worker", "--once")
    names = {name for name, _ in _runs(db_url)}
    assert {"embed-backlog", "digest-deliver"} <= names, names

    # The contrast that makes the first check mean something: one process runs its worker.
    before = len(_runs(db_url))
    _serve(env, tmp_path, workers=1, seconds=5)
    assert len(_runs(db_url)) > before, (tmp_path / "serve-1.log").read_text()[-2000:]
