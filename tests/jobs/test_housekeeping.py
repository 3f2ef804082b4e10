"""`jobs-prune`: old finished run records go, each job's latest and running ones stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from dailypapers.db.engine import unit_of_work
from dailypapers.jobs.housekeeping import prune_job_runs
from dailypapers.jobs.models import JobRun
from dailypapers.jobs.registry import registered_jobs

NOW = datetime(2026, 2, 19, 3, 40, tzinfo=UTC)


def test_old_finished_runs_are_deleted_but_each_jobs_latest_is_kept(engine: Engine) -> None:
    minute = timedelta(minutes=1)
    rows = [  # (name, started, status), in the order the worker would write them
        *(("embed", NOW - timedelta(days=9) + i * minute, "ok") for i in range(5)),
        ("embed", NOW - timedelta(days=1), "ok"),  # recent: kept
        ("weekly", NOW - timedelta(days=20), "ok"),  # old but the job's latest: kept
        ("stuck", NOW - timedelta(days=31), "failed"),  # old, not the latest: deleted
        ("stuck", NOW - timedelta(days=30), "running"),  # running: kept
    ]
    with unit_of_work(engine) as session:
        for name, started, status in rows:
            slot = started.strftime("%Y-%m-%dT%H:%M")
            session.add(JobRun(name=name, slot=slot, status=status, started_at=started))
    with unit_of_work(engine) as session:
        assert prune_job_runs(session, now=NOW) == 6
    with unit_of_work(engine) as session:
        kept = session.execute(select(JobRun.name, JobRun.status).order_by(JobRun.started_at))
        assert [tuple(row) for row in kept] == [
            ("stuck", "running"),
            ("weekly", "ok"),
            ("embed", "ok"),
        ]
    with unit_of_work(engine) as session:
        assert prune_job_runs(session, now=NOW) == 0  # a rerun finds nothing more


def test_the_worker_knows_the_job() -> None:
    assert "jobs-prune" in {job.name for job in registered_jobs()}
