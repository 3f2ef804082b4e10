"""Getting the embedding model ready before the first request needs it.

`dailypapers models prepare` (run by `make run`) builds the ONNX files once into
`DATA_DIR/models`; `serve` also prepares the model in a background thread at start-up, so a
search never waits for a build: until the model is ready, searches run by keywords and say so.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine

from dailypapers.search.embedder import EmbedderUnavailable, load_embedder
from dailypapers.settings import Settings

log = logging.getLogger(__name__)


def prepare_model(settings: Settings) -> str:
    """Build the configured model if needed, load it and run one query; a summary line.

    Raises EmbedderUnavailable when it cannot be loaded (a missing wheel, `EMBEDDER=none`)."""
    started = time.monotonic()
    embedder = load_embedder(settings.embedder, settings.data_dir / "models")
    embedder.embed_query("warming up the model")
    return f"{embedder.kind} model ready in {time.monotonic() - started:.1f} s"


def prepare_in_background(settings: Settings) -> threading.Thread:
    """`prepare_model` in a daemon thread; a failure is logged and search stays by keywords."""

    def run() -> None:
        try:
            log.info("search model: %s", prepare_model(settings))
        except EmbedderUnavailable as exc:
            log.warning("search model unavailable, searches run by keywords: %s", exc)
        except Exception:
            log.exception("search model: preparing it failed; searches run by keywords")

    thread = threading.Thread(target=run, name="prepare-model", daemon=True)
    thread.start()
    return thread


def embed_and_summarize(engine: Engine, settings: Settings) -> str:
    """Embed and summarize every paper that waits for it (the demo's 54: seconds); a line
    saying what was done. Without a model, papers are still summarized."""
    from dailypapers.search.indexing import run_embed_backlog
    from dailypapers.summarize.job import run_summarize_backlog

    try:
        embedder = load_embedder(settings.embedder, settings.data_dir / "models")
        embedded = f"{run_embed_backlog(engine, embedder=embedder).embedded} papers embedded"
    except EmbedderUnavailable as exc:
        embedded = f"not embedded ({exc}): search runs by keywords"
    try:
        summarized = f"{run_summarize_backlog(engine).summarized} papers summarized"
    except EmbedderUnavailable as exc:
        summarized = f"not summarized ({exc})"
    return f"{embedded}; {summarized}"
