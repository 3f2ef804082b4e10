"""The worker inside `serve`: jobs run in the web process with one process, never with more."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, select

from dailypapers.cli import main as cli_main
from dailypapers.db.engine import unit_of_work
from dailypapers.jobs.background import start_background_worker
from dailypapers.jobs.models import JobRun
from dailypapers.papers.models import Paper
from dailypapers.settings import Settings
from tests.factories import make_paper


def _quiet(settings: Settings) -> Settings:
    """No arXiv (the suite does not call it) and no digests; embedding every 1 s, no model."""
    return settings.model_copy(
        update={
            "arxiv_fetch_schedule": "off",
            "digest_send_schedule": "off",
            "digest_deliver_schedule": "every 1s",
            "embed_schedule": "every 1s",
            "embedder": "none",
            "worker_poll_seconds": 0.1,
        }
    )


def test_the_background_worker_summarizes_a_new_paper_without_a_command(
    engine: Engine, settings: Settings
) -> None:
    with unit_of_work(engine) as session:
        key = make_paper(session, title="Coral reefs under heat stress").key
    worker = start_background_worker(_quiet(settings))
    try:
        deadline = time.monotonic() + 60
        summary = None
        while summary is None and time.monotonic() < deadline:
            time.sleep(0.2)
            with unit_of_work(engine) as session:
                summary = session.scalar(select(Paper.ai_summary).where(Paper.key == key))
    finally:
        worker.stop()
    assert summary is not None
    assert not any(thread.is_alive() for thread in worker.threads)
    with unit_of_work(engine) as session:
        names = set(session.scalars(select(JobRun.name)))
    assert {"embed-backlog", "digest-deliver"} <= names and "arxiv-daily" not in names


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_several_processes_start_no_worker(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    monkeypatch.setattr(cli_main, "start_background_worker", started.append)
    monkeypatch.setattr(cli_main, "prepare_in_background", started.append)
    before = threading.active_count()
    assert cli_main._start_background(settings, workers=4, run_worker=True) is None
    assert started == [] and threading.active_count() == before
    cli_main._start_background(settings, workers=1, run_worker=False)
    assert started == [settings]  # one process without its worker: only the model is prepared
    cli_main._start_background(settings, workers=1, run_worker=True)
    assert started == [settings, settings, settings]
