"""`dailypapers search "QUERY"`: the site's search, in the terminal."""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.markup import escape
from rich.table import Table

from dailypapers.cli import context
from dailypapers.db.engine import unit_of_work
from dailypapers.search.embedder import embedder_for
from dailypapers.search.highlight import Segment
from dailypapers.search.service import MODES, SORTS, SearchFilters, search_papers


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


def _rich(segments: list[Segment]) -> str:
    return "".join(
        f"[bold yellow]{escape(s.text)}[/]" if s.highlight else escape(s.text) for s in segments
    )


def search(
    query: str = typer.Argument(..., help="What to look for."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid, keyword or semantic."),
    limit: int = typer.Option(10, "--limit", min=1, max=1000, help="Results to show."),
    offset: int = typer.Option(0, "--offset", min=0, help="Results to skip (pagination)."),
    sort: str = typer.Option("relevance", "--sort", help="relevance, newest or upvotes."),
    published_from: str | None = typer.Option(None, "--from", help="Published on or after."),
    published_to: str | None = typer.Option(None, "--to", help="Published on or before."),
    category: str | None = typer.Option(None, "--category", help="An arXiv category."),
    organization: str | None = typer.Option(
        None, "--org", help="An organization's handle or display name (any letter case)."
    ),
    has_code: bool | None = typer.Option(None, "--has-code/--no-code", help="Code link."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Search papers by keywords, meaning, or both fused (the default)."""
    if mode not in MODES:
        raise typer.BadParameter(f"{mode!r}: choose {', '.join(MODES)}", param_hint="--mode")
    if sort not in SORTS:
        raise typer.BadParameter(f"{sort!r}: choose {', '.join(SORTS)}", param_hint="--sort")
    filters = SearchFilters(
        published_from=_day(published_from, "--from"),
        published_to=_day(published_to, "--to"),
        category=category,
        organization=organization,
        has_code=has_code,
    )
    with context.database() as engine, unit_of_work(engine) as session:
        results = search_papers(
            session,
            query=query,
            mode=mode,
            filters=filters,
            sort=sort,
            limit=limit,
            offset=offset,
            embedder=embedder_for(context.settings()),
        )
    if as_json:
        print(json.dumps(results.as_dict(), ensure_ascii=False))
        return
    if results.notice:
        context.err_console.print(f"note: {results.notice}")
    total = f"{'more than ' if not results.total_exact else ''}{results.total:,}"
    table = Table(title=f"{total} matching papers ({results.mode})", show_lines=False)
    for column in ("#", "id", "published", "title"):
        table.add_column(column)
    for rank, hit in enumerate(results.hits, start=offset + 1):
        day = hit.card.published_at.date().isoformat() if hit.card.published_at else ""
        table.add_row(str(rank), escape(hit.card.key), day, _rich(hit.title_segments))
    context.console.print(table)
