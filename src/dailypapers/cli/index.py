"""`dailypapers index ...`: embed the backlog, rebuild the search indexes, show their state."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import func, select

from dailypapers.cli import context
from dailypapers.db.engine import unit_of_work
from dailypapers.papers.models import Paper
from dailypapers.search.embedder import MODEL_NAME, EmbedderUnavailable, embedder_for
from dailypapers.search.indexing import backlog_count, rebuild_indexes, run_embed_backlog
from dailypapers.search.models import Embedding
from dailypapers.summarize.job import SummarizeSummary

app = typer.Typer(help="Search indexes: embeddings, full text, vectors.")


def _embedder() -> object:
    try:
        return embedder_for(context.settings())()
    except EmbedderUnavailable as exc:
        context.err_console.print(f"error: the embedder is unavailable: {exc}")
        raise typer.Exit(1) from None


@app.command("embed")
def embed(
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Papers per transaction."),
    recheck: bool = typer.Option(
        False, "--recheck", help="Hash every paper's text, not only new or modified ones."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Embed papers without a vector of the current model, or whose text changed. Resumable:
    each batch is committed, so a killed run continues where it stopped."""
    embedder = _embedder()
    columns = (TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with (
        context.database() as engine,
        Progress(*columns, console=context.err_console, disable=as_json) as bar,
    ):
        task = bar.add_task("embed", total=None)
        summary = run_embed_backlog(
            engine,
            embedder=embedder,  # type: ignore[arg-type]
            batch_size=batch_size,
            recheck=recheck,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    summarized = _summarize(recheck=False, quiet=as_json)
    if as_json:
        print(json.dumps({**summary.as_dict(), "summarized": summarized.summarized}))
    else:
        context.console.print(
            f"{summary.embedded} papers embedded, {summary.unchanged} unchanged, "
            f"in {summary.batches} batches; vector index synced; "
            f"{summarized.summarized} papers summarized"
        )


def _summarize(*, recheck: bool, quiet: bool, batch_size: int = 512) -> SummarizeSummary:
    from dailypapers.summarize.job import run_summarize_backlog

    columns = (TextColumn("summarizing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with (
            context.database() as engine,
            Progress(*columns, console=context.err_console, disable=quiet) as bar,
        ):
            task = bar.add_task("summarize", total=None)
            return run_summarize_backlog(
                engine,
                batch_size=batch_size,
                recheck=recheck,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except EmbedderUnavailable as exc:
        context.err_console.print(f"error: summaries need the model files: {exc}")
        raise typer.Exit(1) from None


@app.command("summarize")
def summarize(
    batch_size: int = typer.Option(512, "--batch-size", min=1, help="Papers per transaction."),
    recheck: bool = typer.Option(False, "--recheck", help="Recompute every paper, not only new."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """One-sentence summaries and keywords (ai_summary, ai_keywords) for papers without them;
    offline, from static token vectors. `index embed` runs this too. Resumable."""
    context.settings()
    result = _summarize(recheck=recheck, quiet=as_json, batch_size=batch_size)
    if as_json:
        print(json.dumps(result.as_dict()))
    else:
        context.console.print(f"{result.summarized} papers summarized in {result.batches} batches")


@app.command("rebuild")
def rebuild() -> None:
    """Rebuild the full-text and vector indexes from the catalogue (beside, then swapped)."""
    from dailypapers.search.embedder import MODEL_NAME

    with context.database() as engine:
        papers, vectors = rebuild_indexes(engine, model=MODEL_NAME)
    context.console.print(f"full text: {papers} papers; vectors: {vectors}")


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Papers, embeddings of the current model, and the backlog."""
    from dailypapers.search.embedder import MODEL_NAME

    with context.database() as engine, unit_of_work(engine) as session:
        counts = {
            "papers": session.scalar(select(func.count()).select_from(Paper)) or 0,
            "embedded": session.scalar(select(func.count()).where(Embedding.model == MODEL_NAME))
            or 0,
            "backlog": backlog_count(session, model=MODEL_NAME),
        }
    if as_json:
        print(json.dumps(counts))
        return
    for name, count in counts.items():
        context.console.print(f"{name:>10} {count:>10,}")


@app.command("import-vectors")
def import_vectors_command(
    vectors: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .npy array."),
    ids: Path = typer.Option(
        ..., "--ids", exists=True, dir_okay=False, help="One arXiv id a line, in row order."
    ),
    model: str = typer.Option(MODEL_NAME, "--model", help="The model that made the vectors."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Load precomputed embeddings (float16 or float32 rows) for the papers the catalogue
    has, then sync the vector index. A wrong dimension, an unknown model or a length
    mismatch is refused with nothing written (exit 1)."""
    from dailypapers.search.indexing import sync_vector_index
    from dailypapers.search.vector_files import VectorFileError, import_vectors, read_vector_file

    try:
        file = read_vector_file(vectors, ids, model=model)
        with context.database() as engine:
            with unit_of_work(engine) as session:
                summary = import_vectors(session, file, model=model)
            sync_vector_index(engine, model=model)
    except VectorFileError as exc:
        context.err_console.print(f"error: {exc}; nothing was written")
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps(summary.as_dict()))
        return
    context.console.print(
        f"{summary.written:,} vectors stored of {summary.rows:,} rows "
        f"({summary.unknown:,} ids not in the catalogue); vector index synced"
    )


@app.command("export-vectors")
def export_vectors_command(
    vectors: Path = typer.Argument(..., dir_okay=False, help="The .npy file to write."),
    ids: Path = typer.Option(..., "--ids", dir_okay=False, help="The ids file to write."),
    model: str = typer.Option(MODEL_NAME, "--model", help="Whose vectors to export."),
) -> None:
    """Write the stored vectors (float16 rows) and their arXiv ids, the format that
    `index import-vectors` reads."""
    from dailypapers.search.vector_files import export_vectors

    with context.database() as engine, unit_of_work(engine) as session:
        count = export_vectors(session, vectors, ids, model=model)
    context.console.print(f"{count:,} vectors written to {vectors} and {ids}")
