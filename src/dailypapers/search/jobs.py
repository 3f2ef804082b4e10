"""The worker's `embed-backlog` job: embed what the last ingest brought, sync the indexes."""

from __future__ import annotations

from dailypapers.jobs.registry import Job, JobContext, register
from dailypapers.search.embedder import EmbedderUnavailable, load_embedder
from dailypapers.search.indexing import run_embed_backlog


def embed_backlog(context: JobContext) -> str:
    """Idempotent: a run with nothing queued costs one query; a killed run resumes."""
    settings = context.settings
    try:
        embedder = load_embedder(settings.embedder, settings.data_dir / "models")
    except EmbedderUnavailable as exc:
        return f"skipped: the embedder is unavailable ({exc})"
    summary = run_embed_backlog(context.engine, embedder=embedder)
    return f"{summary.embedded} papers embedded, {summary.unchanged} unchanged"


register(
    Job(
        name="embed-backlog",
        schedule=lambda settings: settings.embed_schedule,
        run=embed_backlog,
        description="Embed new and changed papers; sync the vector index and term statistics.",
    )
)
