"""`dailypapers eval beir DIR`: search quality on a BEIR-layout collection."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from dailypapers.cli import context
from dailypapers.search.beir import CollectionError, evaluate
from dailypapers.search.embedder import embedder_for

app = typer.Typer(help="Measure search quality.")


@app.command("beir")
def beir(
    folder: Path = typer.Argument(..., help="corpus.jsonl, queries.jsonl, qrels/test.tsv."),
    as_json: bool = typer.Option(False, "--json", help="Print the table as JSON."),
) -> None:
    """nDCG@10 and Recall@100 for keyword, semantic and hybrid search. The collection is
    loaded into a temporary database; the configured one is not touched."""
    embedder = embedder_for(context.settings())
    try:
        table = evaluate(folder, embedder=embedder)
    except CollectionError as exc:
        context.err_console.print(f"error: {exc}")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(table))
        return
    out = Table(title=f"{folder.name}")
    for column in ("mode", "nDCG@10", "Recall@100"):
        out.add_column(column)
    for mode, row in table.items():
        out.add_row(mode, f"{row['ndcg@10']:.4f}", f"{row['recall@100']:.4f}")
    context.console.print(out)
