"""The worker: runs each registered job once per slot of its schedule, survives failures.

Each run is claimed by inserting a `job_runs` row (unique job name and slot), so two workers
never run the same slot; a run is then marked `ok` or `failed` with its error. A failed run
is tried again within its slot after `worker_retry_minutes`. While a job runs, its worker
stamps the run every HEARTBEAT_EVERY; a run left `running` by a worker that died is taken
over at once when that worker ran on this host (its process is gone), else once its last
stamp is HEARTBEAT_LOST old (a worker on another machine, or cut off from the database).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.jobs.models import JobRun
from dailypapers.jobs.registry import Job, JobContext
from dailypapers.jobs.schedule import Schedule, ScheduleError
from dailypapers.settings import Settings

log = logging.getLogger("dailypapers.worker")

HEARTBEAT_EVERY = timedelta(seconds=30)
HEARTBEAT_LOST = timedelta(minutes=3)  # no stamp for this long: the run's worker is gone


@dataclass(frozen=True, slots=True)
class RunResult:
    job: str
    slot: str
    status: str  # ok | failed
    message: str
    seconds: float


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_due(
    engine: Engine,
    settings: Settings,
    jobs: Sequence[Job],
    *,
    now: datetime | None = None,
    worker: str | None = None,
) -> list[RunResult]:
    """Run every job whose current slot has not run yet; a failing job does not stop others."""
    now = now or utcnow()
    results = []
    for job in jobs:
        try:
            schedule = Schedule.parse(job.schedule(settings))
        except ScheduleError as exc:
            log.error("job %s: bad schedule %s", job.name, exc)
            continue
        if schedule is None:
            continue
        slot = schedule.slot(now)
        retry = timedelta(minutes=settings.worker_retry_minutes)
        run_id = claim(engine, job.name, slot, worker or worker_name(), now=now, retry=retry)
        if run_id is not None:
            results.append(_run(engine, settings, job, run_id, slot, now))
    return results


def claim(
    engine: Engine, name: str, slot: str, worker: str, *, now: datetime, retry: timedelta
) -> int | None:
    """The id of the run of `name` for `slot` if this worker may run it now, else None."""
    try:
        with unit_of_work(engine) as session:
            run = JobRun(name=name, slot=slot, worker=worker, status="running", started_at=now)
            session.add(run)
            session.flush()
            return run.id
    except IntegrityError:
        pass  # the slot has a run already: take it over only if it failed or went stale
    with unit_of_work(engine) as session:
        owner = session.scalar(
            select(JobRun.worker).where(JobRun.name == name, JobRun.slot == slot)
        )
        dead = JobRun.worker == owner if _died_here(owner) else false()
        last_sign = func.coalesce(JobRun.heartbeat_at, JobRun.started_at)
        again = (
            update(JobRun)
            .where(JobRun.name == name, JobRun.slot == slot)
            .where(
                or_(
                    (JobRun.status == "failed") & (JobRun.finished_at <= now - retry),
                    (JobRun.status == "running") & (last_sign <= now - HEARTBEAT_LOST),
                    (JobRun.status == "running") & dead,  # killed mid-job: resume at once
                )
            )
            .values(
                status="running", worker=worker, started_at=now, finished_at=None, heartbeat_at=None
            )
            .returning(JobRun.id)
        )
        return session.scalar(again)


def _died_here(worker: str | None) -> bool:
    """True when `worker` (host:pid) ran on this host and that process is gone.

    A worker killed on another machine is recognised by its missing heartbeat."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _run(
    engine: Engine, settings: Settings, job: Job, run_id: int, slot: str, now: datetime
) -> RunResult:
    log.info("job %s (%s) started", job.name, slot)
    started = time.monotonic()
    context = JobContext(
        settings, engine, slot, now, logging.getLogger(f"dailypapers.job.{job.name}")
    )
    beating = threading.Event()
    heart = threading.Thread(
        target=_beat, args=(engine, run_id, beating), name=f"heartbeat-{job.name}", daemon=True
    )
    heart.start()
    try:
        message = job.run(context) or "done"
        status, error = "ok", None
    except Exception as exc:
        log.exception("job %s (%s) failed", job.name, slot)
        message = f"{type(exc).__name__}: {exc}"
        status, error = "failed", traceback.format_exc()[-4000:]
    finally:
        beating.set()
        heart.join()
    seconds = time.monotonic() - started
    with unit_of_work(engine) as session:
        session.execute(
            update(JobRun)
            .where(JobRun.id == run_id)
            .values(status=status, finished_at=now + timedelta(seconds=seconds), error=error)
        )
    if status == "ok":
        log.info("job %s (%s) ok in %.1f s: %s", job.name, slot, seconds, message)
    return RunResult(job.name, slot, status, message, seconds)


def _beat(engine: Engine, run_id: int, stop: threading.Event) -> None:
    """Stamp the run every HEARTBEAT_EVERY until `stop`; a failed stamp is retried."""
    while not stop.wait(HEARTBEAT_EVERY.total_seconds()):
        try:
            with unit_of_work(engine) as session:
                session.execute(
                    update(JobRun).where(JobRun.id == run_id).values(heartbeat_at=utcnow())
                )
        except Exception:  # the database is away: the next beat tries again
            log.warning("job run %s: could not record its heartbeat", run_id, exc_info=True)


def run_forever(
    engine: Engine,
    settings: Settings,
    jobs: Sequence[Job],
    *,
    stop: threading.Event | None = None,
) -> None:
    """Run due jobs, then sleep `worker_poll_seconds`, until `stop` is set."""
    stop = stop or threading.Event()
    log.info("worker %s: %d jobs: %s", worker_name(), len(jobs), ", ".join(j.name for j in jobs))
    while not stop.is_set():
        try:
            run_due(engine, settings, jobs)
        except Exception:  # e.g. the database is away: log, wait, try again
            log.exception("worker: could not check for due jobs")
        stop.wait(settings.worker_poll_seconds)
    log.info("worker %s stopped", worker_name())
