"""Embeddings: the real model, stored with its name and text hash, re-made only when needed."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from dailypapers.db.engine import unit_of_work
from dailypapers.papers.models import Paper
from dailypapers.search.embedder import DIM, MODEL_NAME, Embedder, load_embedder
from dailypapers.search.indexing import backlog_ids, embed_papers, run_embed_backlog
from dailypapers.search.models import Embedding
from dailypapers.search.text import embedding_text, text_hash
from tests.factories import make_paper
from tests.search.conftest import MODEL_CACHE


def _snapshot_rows(shared_data: Path, n: int) -> list[str]:
    texts = []
    with gzip.open(shared_data / "arxiv-cs-75k.snapshot.jsonl.gz", "rt") as f:
        for line in f:
            d = json.loads(line)
            texts.append(embedding_text(d["title"], d["abstract"]))
            if len(texts) == n:
                return texts
    return texts


@pytest.mark.parametrize(("kind", "floor"), [("onnx", 0.99999), ("onnx-int8", 0.98)])
def test_vectors_match_the_reference_rows(
    shared_data: Path, embedder: Embedder, kind: str, floor: float
) -> None:
    """The shared .npy was made with sentence-transformers; our vectors agree with it."""
    reference = np.load(shared_data / "arxiv-cs-75k.minilm-l6-v2.f16.npy", mmap_mode="r")
    texts = _snapshot_rows(shared_data, 4)
    model = embedder if kind == "onnx-int8" else load_embedder(kind, MODEL_CACHE)
    ours = model.embed(texts)
    theirs = np.asarray(reference[: len(texts)], dtype=np.float32)
    cosine = (ours * theirs).sum(axis=1) / np.linalg.norm(theirs, axis=1)
    assert ours.shape == (4, DIM)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert cosine.min() >= floor, cosine


def test_embedding_text_collapses_whitespace() -> None:
    assert embedding_text(" A  title\n", "An\n\tabstract ") == "A title. An abstract"
    assert embedding_text("Only a title", "") == "Only a title"


def test_query_embeddings_are_cached(embedder: Embedder) -> None:
    first = embedder.embed_query("sparse  attention")
    assert embedder.embed_query("sparse attention") is first
    assert not first.flags.writeable


def test_changed_text_is_embedded_again_and_same_text_is_not(
    session: Session, embedder: Embedder
) -> None:
    paper = make_paper(session, title="Tardigrade survival", abstract="In vacuum.")
    first = embed_papers(session, embedder=embedder, paper_ids=[paper.id])
    stored = session.get(Embedding, paper.id)
    assert (first.embedded, stored.model, stored.dim) == (1, MODEL_NAME, DIM)
    assert stored.text_hash == text_hash("Tardigrade survival. In vacuum.")
    before = stored.vector.copy()
    again = embed_papers(session, embedder=embedder, paper_ids=[paper.id])
    assert (again.embedded, again.unchanged) == (0, 1)
    paper.abstract = "In boiling water."
    session.flush()
    changed = embed_papers(session, embedder=embedder, paper_ids=[paper.id])
    session.refresh(stored)
    assert changed.embedded == 1
    assert float(stored.vector @ before) < 0.999


def test_another_model_re_embeds_everything(session: Session, embedder: Embedder) -> None:
    papers = [make_paper(session) for _ in range(3)]
    embed_papers(session, embedder=embedder, paper_ids=[p.id for p in papers])
    assert backlog_ids(session, model=MODEL_NAME) == []
    assert backlog_ids(session, model="another/model") == [p.id for p in papers]


def test_backlog_run_is_resumable(engine: Engine, embedder: Embedder) -> None:
    with unit_of_work(engine) as session:
        for _ in range(5):
            make_paper(session)

    class Dies(Exception):
        pass

    def die_after_first_batch(done: int, total: int) -> None:
        if done >= 2:
            raise Dies

    with pytest.raises(Dies):
        run_embed_backlog(engine, embedder=embedder, batch_size=2, progress=die_after_first_batch)
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Embedding)) == 2
    summary = run_embed_backlog(engine, embedder=embedder, batch_size=2)
    assert (summary.embedded, summary.batches) == (3, 2)
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Embedding)) == 5
        assert backlog_ids(session, model=MODEL_NAME) == []


def test_text_hash_is_of_collapsed_text() -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", text_hash("x"))


def test_only_text_changes_queue_a_paper_again(session: Session, embedder: Embedder) -> None:
    paper = make_paper(session, title="Lichen symbiosis", abstract="Fungi and algae.")
    assert backlog_ids(session, model=MODEL_NAME) == [paper.id]  # queued by the insert
    embed_papers(session, embedder=embedder, paper_ids=[paper.id])
    assert backlog_ids(session, model=MODEL_NAME) == []
    session.execute(
        update(Paper).where(Paper.id == paper.id).values(ai_summary="x", base_upvotes=9)
    )
    assert backlog_ids(session, model=MODEL_NAME) == []  # no text changed
    session.execute(update(Paper).where(Paper.id == paper.id).values(abstract="Fungi, algae."))
    assert backlog_ids(session, model=MODEL_NAME) == [paper.id]  # a bulk writer changed it
