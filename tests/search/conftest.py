"""Search fixtures: the real embedder (built once per run) and a small corpus on clear topics."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dailypapers.db.engine import session_factory
from dailypapers.papers.models import Paper
from dailypapers.search.embedder import Embedder, load_embedder
from dailypapers.search.indexing import embed_papers
from dailypapers.settings import get_settings
from tests.factories import make_paper

# ONNX files are rebuilt only when the recipe's version changes; share them between runs.
MODEL_CACHE = Path(tempfile.gettempdir()) / "dailypapers-test-models"

TOPICS = {
    "graphs": (
        "Graph neural networks for molecule property prediction",
        "Message passing over atoms and bonds predicts solubility and toxicity of drug-like "
        "molecules.",
    ),
    "proteins": (
        "Predicting protein structure with deep learning",
        "We infer the three-dimensional shape of amino acid chains from their sequence.",
    ),
    "llm": (
        "A survey of large language models",
        "Pretrained transformers that generate text, follow instructions and write code.",
    ),
    "speech": (
        "End-to-end speech recognition",
        "Transcribing spoken audio into words with a single acoustic model.",
    ),
    "robots": (
        "Learning to grasp objects with a robot arm",
        "A manipulator picks up unseen household items from camera images.",
    ),
    "segmentation": (
        "Semantic segmentation of street scenes",
        "Every pixel of a driving image is labelled road, car, pedestrian or building.",
    ),
}


@pytest.fixture
def committing_session(engine: Engine) -> Iterator[Session]:
    """A session the test commits itself, step by step (no enclosing transaction): on
    SQLite the tantivy keyword index answers for committed papers only."""
    with session_factory(engine)() as session:
        yield session
        session.commit()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder("onnx-int8", MODEL_CACHE)


@pytest.fixture
def embedder_source(embedder: Embedder) -> Callable[[], Embedder]:
    return lambda: embedder


@pytest.fixture
def corpus(session: Session, embedder: Embedder) -> dict[str, Paper]:
    """Six papers on distinct topics, embedded; published on successive days of 2026."""
    papers = {}
    for day, (name, (title, abstract)) in enumerate(TOPICS.items(), start=1):
        papers[name] = make_paper(
            session,
            title=title,
            abstract=abstract,
            published_at=datetime(2026, 3, day, tzinfo=UTC),
            categories=["cs.LG", "q-bio.BM"] if name == "proteins" else ["cs.LG"],
            code_url="https://github.com/example/seg" if name == "segmentation" else None,
            organization="deepmind" if name in ("proteins", "graphs") else None,
            base_upvotes=10 * day,
        )
    embed_papers(session, embedder=embedder, paper_ids=[p.id for p in papers.values()])
    return papers


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    data = tmp_path / "var"
    data.mkdir()
    (data / "models").symlink_to(MODEL_CACHE)  # the ONNX files built once per run
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", db_url)
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(data))
    monkeypatch.setenv("DAILYPAPERS_EMBEDDER", "onnx-int8")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
