"""`dailypapers worker`: run the scheduled jobs (daily arXiv fetch, and what features add)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from dailypapers.cli import context
from dailypapers.jobs.registry import registered_jobs
from dailypapers.jobs.schedule import Schedule, ScheduleError
from dailypapers.jobs.worker import run_due, run_forever


def worker(
    once: bool = typer.Option(False, "--once", help="Run the jobs that are due now, then exit."),
    only: list[str] = typer.Option([], "--job", help="Only this job (repeatable)."),
    list_jobs: bool = typer.Option(False, "--list", help="List the jobs and their schedules."),
) -> None:
    """Run scheduled jobs, each once per slot of its schedule; a failing job is logged."""
    settings = context.settings()
    jobs = registered_jobs()
    if only:
        unknown = sorted(set(only) - {job.name for job in jobs})
        if unknown:
            raise typer.BadParameter(f"no such job: {', '.join(unknown)}", param_hint="--job")
        jobs = [job for job in jobs if job.name in only]
    if list_jobs:
        for job in jobs:
            context.console.print(f"{job.name:<16} {_describe(job.schedule(settings))}")
            context.console.print(f"{'':<16} {job.description}")
        return
    with context.database() as engine:
        if once:
            results = run_due(engine, settings, jobs)
            for result in results:
                context.console.print(
                    f"{result.job} ({result.slot}): {result.status}: {result.message}"
                )
            if not results:
                context.console.print("no job is due")
            if any(result.status != "ok" for result in results):
                raise typer.Exit(1)
            return
        stop = threading.Event()

        def on_signal(number: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        run_forever(engine, settings, jobs, stop=stop)


def _describe(text: str) -> str:
    try:
        schedule = Schedule.parse(text)
    except ScheduleError as exc:
        return f"bad schedule: {exc}"
    return "off" if schedule is None else text
