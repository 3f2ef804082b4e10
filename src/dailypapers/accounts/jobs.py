"""The accounts feature's scheduled job: forget expired sessions and old log-in failures."""

from __future__ import annotations

from dailypapers.accounts.lockout import prune
from dailypapers.accounts.sessions import prune_sessions
from dailypapers.db.engine import unit_of_work
from dailypapers.jobs.registry import Job, JobContext, register


def prune_accounts(context: JobContext) -> str:
    with unit_of_work(context.engine) as session:
        sessions = prune_sessions(session, now=context.now)
        failures = prune(session, now=context.now)
    return f"{sessions} expired sessions and {failures} old log-in failure counters deleted"


register(
    Job(
        name="accounts-prune",
        schedule=lambda settings: "daily 03:30",
        run=prune_accounts,
        description="Delete expired sessions and log-in failure counters idle for a day.",
    )
)
