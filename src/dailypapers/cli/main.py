"""Entry point: `dailypapers --help` lists every command."""

from __future__ import annotations

import json
import os

import typer
from sqlalchemy.exc import OperationalError

from dailypapers.cli import context, db, digest, imports, mail, models, users
from dailypapers.cli import eval as eval_cli
from dailypapers.cli import index as index_cli
from dailypapers.cli import search as search_cli
from dailypapers.cli import worker as worker_cli
from dailypapers.db import migrate
from dailypapers.db.engine import unit_of_work
from dailypapers.db.errors import unavailable_message
from dailypapers.ingest.demo import DEMO_DATE, load_demo
from dailypapers.jobs.background import BackgroundWorker, start_background_worker
from dailypapers.logs import redact
from dailypapers.search.prepare import embed_and_summarize, prepare_in_background
from dailypapers.settings import ENV_PREFIX, Settings, get_settings
from dailypapers.stats import table_counts
from dailypapers.web.node_cache import node_cache_folder

app = typer.Typer(help="dailypapers: research-paper discovery, self-hosted.", no_args_is_help=True)
app.add_typer(db.app, name="db")
app.add_typer(imports.app, name="import")
app.add_typer(digest.app, name="digest")
app.add_typer(digest.subscribers_app, name="subscribers")
app.add_typer(users.app, name="users")
app.add_typer(mail.app, name="mail")
app.add_typer(models.app, name="models")
app.add_typer(index_cli.app, name="index")
app.add_typer(eval_cli.app, name="eval")
app.command("search")(search_cli.search)
app.command("worker")(worker_cli.worker)


@app.callback()
def invocation(ctx: typer.Context) -> None:
    """dailypapers: research-paper discovery, self-hosted."""
    context.begin(ctx.obj)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, max=64, help="Server processes (PostgreSQL for >1)."),
    run_worker: bool = typer.Option(
        True,
        "--worker/--no-worker",
        help="Run the scheduled jobs in this process (only with --workers 1; with more, run "
        "`dailypapers worker` beside them).",
    ),
    timeout_keep_alive: int = typer.Option(
        5, min=1, max=300, help="Seconds an idle keep-alive connection stays open."
    ),
    limit_concurrency: int = typer.Option(
        200, min=10, help="Connections and tasks per process before new ones get 503."
    ),
) -> None:
    """Serve the web site and API (behind a proxy with header and body timeouts:
    docs/deploy.md); with one process, also the worker's jobs."""
    import uvicorn

    settings = _serve_settings(host, port)
    if workers > 1 and settings.is_sqlite:
        context.err_console.print(
            "note: several processes on SQLite work, but writes queue on one file lock"
        )
    background = _start_background(settings, workers=workers, run_worker=run_worker)
    try:
        with node_cache_folder(workers, settings.node_cache_mb):
            uvicorn.run(
                "dailypapers.web.app:app_from_env",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level=settings.log_level.lower(),
                proxy_headers=True,
                timeout_keep_alive=timeout_keep_alive,  # idle connections cost a slot: close soon
                limit_concurrency=limit_concurrency,  # a flood gets 503s, not an exhausted process
                timeout_worker_healthcheck=60,  # a busy 2-core machine imports slowly
            )
    finally:
        if background is not None:
            background.stop()


def _serve_settings(host: str, port: int) -> Settings:
    """The settings, with `SERVED_URL` (the base URL of mails when `BASE_URL` is unset) set
    from where this server listens; child processes inherit it."""
    wildcard = host in ("", "0.0.0.0", "::")  # noqa: S104 - naming it, not binding to it
    name = "127.0.0.1" if wildcard else host
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    os.environ[f"{ENV_PREFIX}SERVED_URL"] = f"http://{name}:{port}"
    get_settings.cache_clear()
    return context.settings()


def _start_background(
    settings: Settings, *, workers: int, run_worker: bool
) -> BackgroundWorker | None:
    """One process: prepare the model and run the jobs here. Several: nothing (model files
    come from `models prepare`; jobs from `dailypapers worker`)."""
    if workers > 1:
        if run_worker:
            context.err_console.print(
                "note: no jobs run inside several processes; run `dailypapers worker` beside them"
            )
        return None
    prepare_in_background(settings)
    return start_background_worker(settings) if run_worker else None


@app.command()
def demo(
    if_empty: bool = typer.Option(False, "--if-empty", help="Only load into an empty database."),
    no_index: bool = typer.Option(
        False, "--no-index", help="Do not embed and summarize the papers now (the worker will)."
    ),
) -> None:
    """Load the demo corpus: 54 real papers listed on 2026-02-19, embedded and summarized."""
    with context.database() as engine:
        if not migrate.is_up_to_date(engine):
            migrate.upgrade(engine)
        with unit_of_work(engine) as session:
            if if_empty and table_counts(session)["papers"]:
                context.console.print("database has papers already; demo not loaded")
                return
            summary = load_demo(session)
        imports.report(summary, as_json=False)
        context.console.print(f"demo papers listed on {DEMO_DATE}")
        if not no_index:
            context.console.print(embed_and_summarize(engine, context.settings()))


@app.command()
def stats(as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON.")) -> None:
    """Count papers, authors, organizations, daily entries, users, votes and more."""
    with context.database() as engine, unit_of_work(engine) as session:
        counts = table_counts(session)
    if as_json:
        print(json.dumps(counts))
        return
    for name, count in counts.items():
        context.console.print(f"{name:>15} {count:>10,}")


def main() -> None:
    try:
        app()
    except OperationalError as exc:  # down, read-only or full: a clear line, not a traceback
        detail = redact(str(exc.orig))
        context.err_console.print(f"error: {unavailable_message(exc)}\n  {detail}", markup=False)
        raise SystemExit(1) from None
