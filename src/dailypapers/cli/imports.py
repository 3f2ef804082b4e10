"""`dailypapers import ...`: bring papers in from files and services."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from dailypapers.cli import context
from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.page import PageFormatError, read_page
from dailypapers.ingest.summary import ImportSummary, load_records

app = typer.Typer(help="Import papers from files and services.")


def report(summary: ImportSummary, *, as_json: bool) -> None:
    """Print a summary; exit 1 when any record was rejected."""
    if as_json:
        context.console.print_json(json.dumps(summary.as_dict()))
    else:
        context.console.print(
            f"{summary.seen} papers read: {summary.created} new, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.older} older versions ignored; "
            f"{summary.listed} added to daily lists; {len(summary.rejected)} rejected"
        )
        for reason in summary.rejected:
            context.err_console.print(f"rejected: {reason}")
    if summary.rejected:
        raise typer.Exit(1)


@app.command("page")
def page(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Page text file."),
    day: str = typer.Option(..., "--date", help="The day the page lists, YYYY-MM-DD."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
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
    with context.database() as engine, unit_of_work(engine) as session:
        summary = load_records(session, records)
    report(summary, as_json=as_json)
