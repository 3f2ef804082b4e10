"""The worker's `embed-backlog` job: embed and summarize what the last ingest brought, sync
the indexes."""

from __future__ import annotations

from dailypapers.jobs.registry import Job, JobContext, register
from dailypapers.search.embedder import EmbedderUnavailable, load_embedder
from dailypapers.search.indexing import run_embed_backlog


def embed_backlog(context: JobContext) -> str:
    """Idempotent: a run with nothing queued costs two queries; a killed run resumes."""
    return f"{_embed(context)}; {_summarize(context)}"


def _embed(context: JobContext) -> str:
    settings = context.settings
    try:
        embedder = load_embedder(settings.embedder, settings.data_dir / "models")
    except EmbedderUnavailable as exc:
        return f"embedding skipped: the embedder is unavailable ({exc})"
    summary = run_embed_backlog(context.engine, embedder=embedder)
    return f"{summary.embedded} papers embedded, {summary.unchanged} unchanged"


def _summarize(context: JobContext) -> str:
    """Summaries and keywords of papers without them (static vectors of the model wheel)."""
    from dailypapers.summarize.job import run_summarize_backlog

    try:
        summary = run_summarize_backlog(context.engine)
    except EmbedderUnavailable as exc:
        return f"summaries skipped: {exc}"
    return f"{summary.summarized} papers summarized"


register(
    Job(
        name="embed-backlog",
        schedule=lambda settings: settings.embed_schedule,
        run=embed_backlog,
        description="Embed and summarize new and changed papers; sync the vector index and "
        "term statistics.",
    )
)
