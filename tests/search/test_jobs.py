"""The worker's embed-backlog job embeds what an ingest queued, and is idempotent."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select

from dailypapers.db.engine import unit_of_work
from dailypapers.jobs.registry import JobContext, registered_jobs
from dailypapers.search.embedder import Embedder
from dailypapers.search.models import Embedding
from dailypapers.settings import Settings
from tests.factories import make_paper
from tests.search.conftest import MODEL_CACHE


def test_embed_backlog_job(engine: Engine, settings: Settings, embedder: Embedder) -> None:
    job = {j.name: j for j in registered_jobs()}["embed-backlog"]
    assert job.schedule(settings) == "every 1m"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "models").symlink_to(MODEL_CACHE)
    with unit_of_work(engine) as session:
        make_paper(session, title="Coral bleaching", abstract="Heat stress on reefs.")
    context = JobContext(settings, engine, "slot", datetime.now(UTC), logging.getLogger("t"))
    assert job.run(context) == "1 papers embedded, 0 unchanged; 1 papers summarized"
    assert job.run(context) == "0 papers embedded, 0 unchanged; 0 papers summarized"
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Embedding)) == 1
    off = settings.model_copy(update={"embedder": "none", "data_dir": Path("/nonexistent")})
    skipped = job.run(JobContext(off, engine, "slot", context.now, context.log))
    assert skipped.startswith("embedding skipped")
