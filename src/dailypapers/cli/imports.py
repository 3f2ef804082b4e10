"""`dailypapers import ...`: bring papers in from files and services."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from dailypapers.cli import context
from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.arxiv_api import ArxivClient, ArxivQuery
from dailypapers.ingest.hf_json import read_hf_json
from dailypapers.ingest.http import PoliteFetcher
from dailypapers.ingest.oai import OaiHarvester, harvest, harvest_source
from dailypapers.ingest.page import PageFormatError, read_page
from dailypapers.ingest.pipeline import DEFAULT_BATCH_SIZE
from dailypapers.ingest.records import PaperRecord, SourceError
from dailypapers.ingest.run import ProgressReport, Source, exit_code, run_source
from dailypapers.ingest.snapshot import SnapshotFilter, SnapshotReader
from dailypapers.ingest.summary import ImportSummary, load_records

DRY_RUN = typer.Option(
    False, "--dry-run", help="Read and check everything, write nothing; print what would change."
)

app = typer.Typer(help="Import papers from files and services.")


def report(
    summary: ImportSummary, *, as_json: bool, exit_on_rejects: bool = True, dry_run: bool = False
) -> None:
    """Print a summary; exit 1 when any record was rejected."""
    if dry_run and not as_json:
        context.console.print("dry run: nothing was written; a real run would give:")
    if as_json:
        context.console.print_json(json.dumps(summary.as_dict()))
    else:
        context.console.print(
            f"{summary.seen} papers read: {summary.created} new, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.older} older versions ignored; "
            f"{summary.listed} added to daily lists; {summary.skipped} left out by filters; "
            f"{len(summary.rejected)} rejected"
        )
        for reason in summary.rejected:
            context.err_console.print(f"rejected: {reason}")
    if exit_on_rejects and exit_code(summary):
        raise typer.Exit(exit_code(summary))


@app.command("page")
def page(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Page text file."),
    day: str = typer.Option(..., "--date", help="The day the page lists, YYYY-MM-DD."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    dry_run: bool = DRY_RUN,
) -> None:
    """Import a daily-papers page (text) and list its papers on --date. All or nothing."""
    try:
        listed_on = date.fromisoformat(day)
    except ValueError:
        raise typer.BadParameter(
            f"{day!r} is not a date (YYYY-MM-DD)", param_hint="--date"
        ) from None
    try:
        records = read_page(file, listed_on=listed_on)
    except PageFormatError as exc:
        context.err_console.print(f"error: {file}: {exc}; nothing was imported")
        raise typer.Exit(2) from None
    with context.database() as engine:
        summary = _load_whole(engine, records) if not dry_run else _preview(engine, records)
    report(summary, as_json=as_json, dry_run=dry_run)


def _load_whole(engine: Engine, records: list[PaperRecord]) -> ImportSummary:
    with unit_of_work(engine) as session:
        return load_records(session, records)


def _preview(engine: Engine, records: list[PaperRecord]) -> ImportSummary:
    return run_source(engine, Source(records), dry_run=True)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


def _categories(value: str) -> frozenset[str]:
    return frozenset(c.strip() for c in value.split(",") if c.strip())


@contextmanager
def _progress(total: int | None) -> Iterator[ProgressReport]:
    """A progress bar on stderr with papers per second; yields `update(summary, completed)`."""
    columns = [
        TextColumn("importing"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[papers]:,} papers, {task.fields[rate]:,.0f}/s"),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=context.err_console) as progress:
        task = progress.add_task("import", total=total, papers=0, rate=0.0)

        def update(summary: ImportSummary, completed: int | None) -> None:
            elapsed = progress.tasks[task].elapsed or 0.0
            rate = summary.seen / elapsed if elapsed else 0.0
            progress.update(task, completed=completed, papers=summary.seen, rate=rate)

        yield update


def run_import(
    engine: Engine, source: Source, *, batch_size: int, dry_run: bool = False
) -> ImportSummary:
    """`run_source` with a progress bar; a failing source prints its error and exits 2."""
    with _progress(source.total) as update:
        try:
            return run_source(
                engine, source, batch_size=batch_size, dry_run=dry_run, on_progress=update
            )
        except SourceError as exc:
            if exc.summary is not None:
                report(exc.summary, as_json=False, exit_on_rejects=False)
            context.err_console.print(f"error: {exc}")
            raise typer.Exit(2) from None


@app.command("snapshot")
def snapshot(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="arXiv metadata snapshot: JSON lines, plain or .gz."
    ),
    categories: str = typer.Option(
        "", "--categories", help="Only papers in one of these categories: cs.CL,cs.CV."
    ),
    since: str | None = typer.Option(
        None, "--since", help="Only papers updated on or after this day, YYYY-MM-DD."
    ),
    daily: bool = typer.Option(
        False, "--daily", help="Also list each paper on the day it was first announced."
    ),
    batch_size: int = typer.Option(
        DEFAULT_BATCH_SIZE, "--batch-size", min=1, help="Papers written per transaction."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    dry_run: bool = DRY_RUN,
) -> None:
    """Import arXiv's bulk metadata snapshot, streamed, in batches; rerun to resume."""
    selection = SnapshotFilter(_categories(categories), _day(since, "--since"), daily)
    reader = SnapshotReader(file, selection)
    source = Source(
        reader,
        reader.size,
        lambda: reader.position,
        lambda: reader.skipped,
        big=reader.size >= reader.child_from,  # parsed by a child process too
    )
    with context.database() as engine:
        summary = run_import(engine, source, batch_size=batch_size, dry_run=dry_run)
    report(summary, as_json=as_json, dry_run=dry_run)


@app.command("hf-json")
def hf_json(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="A saved Hugging Face /api/daily_papers answer."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    dry_run: bool = DRY_RUN,
) -> None:
    """Import Hugging Face daily papers: papers, authors, organizations, upvotes, links."""
    source = Source(read_hf_json(file))
    with context.database() as engine:
        summary = run_import(engine, source, batch_size=DEFAULT_BATCH_SIZE, dry_run=dry_run)
    report(summary, as_json=as_json, dry_run=dry_run)


def _arxiv_query(
    category: str | None, start: date | None, end: date | None, ids: str | None, query: str | None
) -> ArxivQuery:
    if sum(x is not None for x in (category, ids, query)) != 1:
        raise typer.BadParameter("give exactly one of --category, --ids or --query")
    if category is not None:
        if start is None:
            raise typer.BadParameter("--category needs --from", param_hint="--from")
        return ArxivQuery.category(category, start, end or date.today())
    if ids is not None:
        return ArxivQuery.ids([i.strip() for i in ids.split(",") if i.strip()])
    return ArxivQuery.search(query or "")


@app.command("arxiv")
def arxiv(
    category: str | None = typer.Option(None, "--category", help="An arXiv category: cs.CL."),
    start: str | None = typer.Option(None, "--from", help="First submission day, YYYY-MM-DD."),
    end: str | None = typer.Option(
        None, "--until", help="Last submission day, YYYY-MM-DD (default: today)."
    ),
    ids: str | None = typer.Option(None, "--ids", help="arXiv ids, comma-separated."),
    query: str | None = typer.Option(None, "--query", help="An arXiv API search query."),
    limit: int | None = typer.Option(None, "--max", min=1, help="Stop after this many papers."),
    page_size: int = typer.Option(100, "--page-size", min=1, max=2000, help="Papers a request."),
    daily: bool = typer.Option(False, "--daily", help="List each paper on its first day."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    dry_run: bool = DRY_RUN,
) -> None:
    """Fetch papers from arXiv's query API, politely (DAILYPAPERS_ARXIV_DELAY_SECONDS)."""
    selection = _arxiv_query(category, _day(start, "--from"), _day(end, "--until"), ids, query)
    settings = context.settings()
    fetcher = PoliteFetcher(delay=settings.arxiv_delay_seconds)
    client = ArxivClient(settings.arxiv_api_url, fetcher, page_size=page_size)
    try:
        with context.database() as engine:
            source = Source(client.records(selection, limit=limit, daily=daily))
            summary = run_import(engine, source, batch_size=page_size, dry_run=dry_run)
    finally:
        fetcher.close()
    report(summary, as_json=as_json, dry_run=dry_run)


@app.command("oai")
def oai(
    set_spec: str = typer.Option(..., "--set", help="OAI set: cs, math, physics:hep-th ..."),
    start: str = typer.Option(..., "--from", help="Records changed from this day, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--until", help="... up to this day, YYYY-MM-DD."),
    daily: bool = typer.Option(False, "--daily", help="List each paper on its first day."),
    restart: bool = typer.Option(
        False, "--restart", help="Ignore a stored resumption token and start over."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    dry_run: bool = DRY_RUN,
) -> None:
    """Harvest arXiv over OAI-PMH (metadataPrefix=arXiv); a killed harvest resumes."""
    settings = context.settings()
    fetcher = PoliteFetcher(delay=settings.arxiv_delay_seconds)
    harvester = OaiHarvester(settings.arxiv_oai_url, fetcher, daily=daily)
    since, until = _day(start, "--from"), _day(end, "--until")
    try:
        with context.database() as engine, _progress(None) as update:
            if dry_run:
                source = harvest_source(
                    engine, harvester, set_spec=set_spec, start=since, end=until, restart=restart
                )
                summary = run_source(engine, source, dry_run=True, on_progress=update)
            else:
                summary = harvest(
                    engine,
                    harvester,
                    set_spec=set_spec,
                    start=since,
                    end=until,
                    restart=restart,
                    on_page=lambda s: update(s, None),
                )
    except SourceError as exc:
        if exc.summary is not None:
            report(exc.summary, as_json=False, exit_on_rejects=False)
        context.err_console.print(f"error: {exc}; run the same command again to resume")
        raise typer.Exit(2) from None
    finally:
        fetcher.close()
    report(summary, as_json=as_json, dry_run=dry_run)
