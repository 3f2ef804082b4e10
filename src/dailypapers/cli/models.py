"""`dailypapers models prepare`: build the embedding model before the server needs it."""

from __future__ import annotations

import typer

from dailypapers.cli import context
from dailypapers.search.embedder import EmbedderUnavailable
from dailypapers.search.prepare import prepare_model

app = typer.Typer(help="The embedding model of search, similar papers and For you.")


@app.command("prepare")
def prepare() -> None:
    """Build the ONNX model once into DATA_DIR/models (about a minute) and check it loads.

    `make run` runs this, so that no request waits for it. Exit 1 when the model cannot be
    loaded (search then runs by keywords); with DAILYPAPERS_EMBEDDER=none there is nothing to do.
    """
    settings = context.settings()
    if settings.embedder == "none":
        context.console.print("the embedder is switched off (DAILYPAPERS_EMBEDDER=none)")
        return
    try:
        context.console.print(prepare_model(settings))
    except EmbedderUnavailable as exc:
        context.err_console.print(f"error: the model is unavailable: {exc}")
        raise typer.Exit(1) from None
