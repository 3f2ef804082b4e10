"""The worker inside `serve`: the job scheduler in a background thread of the web process.

A single-process site (`serve --workers 1`, the default) needs no second command: new papers
get embedded and summarized, mail goes out, digests are sent. Job claims in `job_runs` keep it
safe beside a separate `dailypapers worker`; `serve --workers N>1` never starts it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Engine

from dailypapers.db.engine import make_engine
from dailypapers.jobs.registry import registered_jobs
from dailypapers.jobs.worker import run_forever
from dailypapers.settings import Settings


@dataclass(slots=True)
class BackgroundWorker:
    thread: threading.Thread
    stop_event: threading.Event
    engine: Engine

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the scheduler to stop; a job still running is left to finish or die."""
        self.stop_event.set()
        self.thread.join(timeout)
        if not self.thread.is_alive():
            self.engine.dispose()


def start_background_worker(settings: Settings) -> BackgroundWorker:
    engine = make_engine(settings.database_url)
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        args=(engine, settings, registered_jobs()),
        kwargs={"stop": stop},
        name="dailypapers-worker",
        daemon=True,
    )
    thread.start()
    return BackgroundWorker(thread, stop, engine)
