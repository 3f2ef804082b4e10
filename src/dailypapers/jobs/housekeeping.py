"""The worker's own housekeeping job: forget old run records of `job_runs`.

An `every 1m` job writes 1,440 rows a day. A row is needed while its slot is current (its
unique key is the claim) and as the job's last run for `worker --list`; older finished rows
are history nobody reads. Each job's latest row is kept whatever its age (it holds the
current slot's claim), as are rows still running.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dailypapers.db.engine import unit_of_work
from dailypapers.jobs.models import JobRun
from dailypapers.jobs.registry import Job, JobContext, register

KEEP_FOR = timedelta(days=7)


def prune_job_runs(session: Session, *, now: datetime, keep_for: timedelta = KEEP_FOR) -> int:
    """Delete finished runs started before `now - keep_for`, except each job's latest."""
    latest = select(func.max(JobRun.id)).group_by(JobRun.name).scalar_subquery()
    result = session.execute(
        delete(JobRun)
        .where(JobRun.started_at < now - keep_for)
        .where(JobRun.status != "running")
        .where(JobRun.id.not_in(latest))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def prune_runs(context: JobContext) -> str:
    with unit_of_work(context.engine) as session:
        deleted = prune_job_runs(session, now=context.now)
    return f"{deleted} job run records older than {KEEP_FOR.days} days deleted"


register(
    Job(
        name="jobs-prune",
        schedule=lambda settings: "daily 03:40",
        run=prune_runs,
        description=f"Delete finished job run records older than {KEEP_FOR.days} days "
        "(each job's latest is kept).",
    )
)
