"""The jobs the worker knows: each feature registers its own.

A feature defines its job in its own package (`ingest/jobs.py`, later `search/jobs.py`,
`digest/jobs.py` ...) and calls `register(Job(...))` at import; its module name goes into
`JOB_MODULES` so the worker imports it:

    register(Job(
        name="embed-backlog",
        schedule=lambda settings: "every 10m",  # or a setting of the feature
        run=embed_backlog,                       # (JobContext) -> one-line summary
        description="Embed papers that have no vector yet.",
    ))

A job gets the settings, an engine and its slot; it commits through `unit_of_work` itself
and may run again for a later slot, so it must be idempotent.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from dailypapers.settings import Settings

# Modules that register jobs when imported; a new feature adds its own line.
JOB_MODULES = (
    "dailypapers.ingest.jobs",
    "dailypapers.digest.jobs",
    "dailypapers.search.jobs",
    "dailypapers.accounts.jobs",
    "dailypapers.jobs.housekeeping",
    "dailypapers.thumbnails.jobs",
)


@dataclass(frozen=True, slots=True)
class JobContext:
    settings: Settings
    engine: Engine
    slot: str  # the slot this run is for, e.g. "2026-02-19"
    now: datetime
    log: logging.Logger


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    schedule: Callable[[Settings], str]  # the schedule text, usually from a setting
    run: Callable[[JobContext], str | None]  # returns a summary line for the log
    description: str = ""


_JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    """Add `job` (a job of the same name is replaced: re-imports are harmless)."""
    _JOBS[job.name] = job
    return job


def registered_jobs() -> list[Job]:
    """Every registered job, in registration order, after importing `JOB_MODULES`."""
    for module in JOB_MODULES:
        importlib.import_module(module)
    return list(_JOBS.values())
