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
    threads: list[threading.Thread]
    stop_event: threading.Event
    engine: Engine

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the scheduler to stop; a job still running is left to finish or die."""
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout)
        if not any(thread.is_alive() for thread in self.threads):
            self.engine.dispose()


def start_background_worker(settings: Settings) -> BackgroundWorker:
    """One scheduler thread per job, so that a long arXiv fetch does not hold back the
    embedding of new papers or the mail."""
    engine = make_engine(settings.database_url, data_dir=settings.data_dir)
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=run_forever,
            args=(engine, settings, [job]),
            kwargs={"stop": stop},
            name=f"worker-{job.name}",
            daemon=True,
        )
        for job in registered_jobs()
    ]
    for thread in threads:
        thread.start()
    return BackgroundWorker(threads, stop, engine)
