"""The worker: one run per job and slot, failures logged and retried, the daily arXiv fetch."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from dailypapers.cli.main import app
from dailypapers.db.engine import unit_of_work
from dailypapers.jobs import worker
from dailypapers.jobs.models import JobRun
from dailypapers.jobs.registry import Job, JobContext, registered_jobs
from dailypapers.jobs.worker import HEARTBEAT_LOST, claim, run_due, run_forever
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.settings import Settings
from tests.ingest.replay import Answer, Replay

NOON = datetime(2026, 2, 19, 12, 0, tzinfo=UTC)


def _runs(engine: Engine) -> list[tuple[str, str, str, str | None]]:
    with unit_of_work(engine) as session:
        rows = session.scalars(select(JobRun).order_by(JobRun.id))
        return [(r.name, r.slot, r.status, r.error) for r in rows]


class Counter:
    def __init__(self, *, fail: bool = False, pause: float = 0.0) -> None:
        self.calls: list[str] = []
        self.fail, self.pause = fail, pause

    def __call__(self, context: JobContext) -> str:
        self.calls.append(context.slot)
        time.sleep(self.pause)
        if self.fail:
            raise RuntimeError("the service is down")
        return f"ran for {context.slot}"


def test_each_slot_runs_once_and_a_failure_does_not_stop_the_others(
    engine: Engine, settings: Settings
) -> None:
    broken, fine = Counter(fail=True), Counter()
    jobs = [
        Job("broken", lambda s: "daily 01:30", broken),
        Job("fine", lambda s: "every 1h", fine),
        Job("off", lambda s: "off", Counter()),
        Job("unreadable", lambda s: "sometimes", Counter()),
    ]
    results = run_due(engine, settings, jobs, now=NOON)
    assert [(r.job, r.status) for r in results] == [("broken", "failed"), ("fine", "ok")]
    assert "the service is down" in results[0].message
    runs = _runs(engine)
    assert [(n, s, st) for n, s, st, _ in runs] == [
        ("broken", "2026-02-19", "failed"),
        ("fine", "2026-02-19T12:00:00", "ok"),
    ]
    assert runs[0][3] is not None and "RuntimeError: the service is down" in runs[0][3]
    assert run_due(engine, settings, jobs, now=NOON + timedelta(minutes=5)) == []
    later = run_due(engine, settings, jobs, now=NOON + timedelta(hours=1))
    assert [r.job for r in later] == ["broken", "fine"]  # broken retried after 30 minutes
    assert fine.calls == ["2026-02-19T12:00:00", "2026-02-19T13:00:00"]
    assert broken.calls == ["2026-02-19", "2026-02-19"]


def test_two_workers_never_run_the_same_slot(engine: Engine, settings: Settings) -> None:
    job = Counter(pause=0.2)
    jobs = [Job("slow", lambda s: "daily 00:00", job)]
    threads = [
        threading.Thread(target=run_due, args=(engine, settings, jobs), kwargs={"now": NOON})
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert job.calls == ["2026-02-19"]
    assert [status for _, _, status, _ in _runs(engine)] == ["ok"]


def test_a_run_whose_heartbeat_stopped_is_taken_over(engine: Engine) -> None:
    """A worker on another machine died mid-job: its run is taken over once it stops beating."""
    hour_ago = NOON - timedelta(hours=1)
    with unit_of_work(engine) as session:
        beats = {"lost": NOON - HEARTBEAT_LOST, "alive": NOON - timedelta(seconds=30)}
        for slot, beat in beats.items():
            session.add(
                JobRun(
                    name="far",
                    slot=slot,
                    worker="another-machine:1",
                    status="running",
                    started_at=hour_ago,
                    heartbeat_at=beat,
                )
            )
    retry = timedelta(minutes=5)
    assert claim(engine, "far", "lost", "here:2", now=NOON, retry=retry) is not None
    assert claim(engine, "far", "alive", "here:2", now=NOON, retry=retry) is None
    with unit_of_work(engine) as session:
        taken = session.scalar(select(JobRun).where(JobRun.slot == "lost"))
        assert taken is not None and (taken.worker, taken.heartbeat_at) == ("here:2", None)


def test_a_running_job_stamps_its_heartbeat(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "HEARTBEAT_EVERY", timedelta(seconds=0.1))
    seen: list[datetime | None] = []

    def slow(context: JobContext) -> str:
        time.sleep(0.8)
        with unit_of_work(engine) as session:
            seen.append(session.scalar(select(JobRun.heartbeat_at)))
        return "done"

    run_due(engine, settings, [Job("beating", lambda s: "daily 00:00", slow)], now=NOON)
    assert seen and seen[0] is not None
    assert seen[0] > datetime.now(UTC) - timedelta(minutes=1)


def test_the_loop_survives_a_failing_job_and_stops_on_request(
    engine: Engine, settings: Settings
) -> None:
    broken, fine = Counter(fail=True), Counter()
    jobs = [Job("broken", lambda s: "every 1s", broken), Job("fine", lambda s: "every 1s", fine)]
    fast = settings.model_copy(update={"worker_poll_seconds": 0.05, "worker_retry_minutes": 0})
    stop = threading.Event()
    loop = threading.Thread(target=run_forever, args=(engine, fast, jobs), kwargs={"stop": stop})
    loop.start()
    time.sleep(1.5)
    stop.set()
    loop.join(10)
    assert not loop.is_alive()
    assert len(fine.calls) >= 2 and len(broken.calls) >= 2  # it kept going after failures
    statuses = {(name, status) for name, _, status, _ in _runs(engine)}
    assert statuses == {("broken", "failed"), ("fine", "ok")}


def test_the_daily_fetch_job_is_registered() -> None:
    (job,) = [j for j in registered_jobs() if j.name == "arxiv-daily"]
    settings = Settings(env="test", secret_key="x", arxiv_fetch_schedule="every 6h")
    assert job.schedule(settings) == "every 6h"


@pytest.fixture
def arxiv_replay(shared_data: Path):  # type: ignore[no-untyped-def]
    """arXiv's recorded 'testing' pages served for any category query."""
    pages = {}
    for path in (shared_data / "recorded" / "arxiv-api").glob("q_testing_s*_m10_*.json"):
        saved = json.loads(path.read_text())
        start = saved["url"].split("&start=")[1].split("&")[0]
        pages[start] = saved["body"].encode()

    def route(params: dict[str, str]) -> Answer:
        if not params["search_query"].startswith("cat:"):
            return 400, b"expected a category query", {}
        return 200, pages[params["start"]], {}

    with Replay(route) as server:
        yield server


def test_worker_once_fetches_the_configured_categories(
    db_url: str,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    arxiv_replay: Replay,
) -> None:
    env = {
        "DATABASE_URL": db_url,
        "DATA_DIR": str(tmp_path),
        "ARXIV_API_URL": arxiv_replay.url,
        "ARXIV_DELAY_SECONDS": "0",
        "ARXIV_CATEGORIES": "cs.SE, cs.LG",
        "ARXIV_FETCH_SCHEDULE": "daily 00:00",
        "ARXIV_FETCH_MAX": "20",
        "ARXIV_FETCH_DAYS": "2",
        "DIGEST_SEND_SCHEDULE": "off",  # this test is about the arXiv job alone
        "DIGEST_DELIVER_SCHEDULE": "off",
    }
    for name, value in env.items():
        monkeypatch.setenv(f"DAILYPAPERS_{name}", value)
    runner = CliRunner()
    first = runner.invoke(app, ["worker", "--once", "--job", "arxiv-daily"])
    second = runner.invoke(app, ["worker", "--once", "--job", "arxiv-daily"])
    listed = runner.invoke(app, ["worker", "--list"])
    unknown = runner.invoke(app, ["worker", "--once", "--job", "nope"])
    assert first.exit_code == 0, first.output
    assert "arxiv-daily" in first.stdout and ": ok: 2 categories" in first.stdout
    queries = [r.params["search_query"] for r in arxiv_replay.requests]
    assert queries[0].startswith("cat:cs.SE AND submittedDate:[")
    assert queries[-1].startswith("cat:cs.LG AND submittedDate:[")
    assert len(queries) == 4  # two pages of 10 for each category
    assert second.exit_code == 0 and "no job is due" in second.stdout
    assert len(arxiv_replay.requests) == 4
    assert "arxiv-daily" in listed.stdout and "daily 00:00" in listed.stdout
    assert unknown.exit_code == 2 and "no such job: nope" in unknown.output
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Paper)) == 20
        assert session.scalar(select(func.count()).select_from(DailyEntry)) == 20
        (run,) = session.scalars(select(JobRun)).all()
        assert (run.name, run.status, run.slot) == (
            "arxiv-daily",
            "ok",
            datetime.now(UTC).date().isoformat(),
        )
