"""The vector index agrees with exact search and follows inserts, updates and deletes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, delete, insert, update
from sqlalchemy.orm import Session

from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.papers.models import Paper
from dailypapers.search import vectors_pgvector
from dailypapers.search.backends import backend_for
from dailypapers.search.embedder import MODEL_NAME
from dailypapers.search.models import Embedding
from dailypapers.search.vectors import UsearchVectorIndex
from tests.factories import make_paper


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, 384)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _store(session: Session, vectors: np.ndarray) -> list[int]:
    ids = [make_paper(session).id for _ in range(len(vectors))]
    session.execute(
        insert(Embedding),
        [
            {"paper_id": pid, "model": MODEL_NAME, "text_hash": f"h{pid}", "dim": 384,
             "vector": vec, "created_at": utcnow()}
            for pid, vec in zip(ids, vectors, strict=True)
        ],
    )  # fmt: skip
    backend_for(session).vectors.sync(session, model=MODEL_NAME)
    return ids


def _nearest(session: Session, vector: np.ndarray, limit: int = 5) -> list[int]:
    found = backend_for(session).vectors.search(
        session, vector=vector, model=MODEL_NAME, limit=limit
    )
    return [n.paper_id for n in found]


def test_matches_exact_search_on_small_data(session: Session) -> None:
    rng = np.random.default_rng(1)
    vectors = _unit(rng, 60)
    ids = _store(session, vectors)
    for query in _unit(rng, 10):
        exact = [ids[i] for i in np.argsort(-(vectors @ query))[:5]]
        assert _nearest(session, query) == exact
    # the index holds each vector itself (at half precision): a paper is its own nearest
    for k in (0, 17, 59):
        (found,) = backend_for(session).vectors.search(
            session, vector=vectors[k], model=MODEL_NAME, limit=1
        )
        assert found.paper_id == ids[k] and abs(found.similarity - 1) < 1e-3


def test_follows_updates_and_cascaded_deletes(session: Session) -> None:
    rng = np.random.default_rng(2)
    vectors = _unit(rng, 20)
    ids = _store(session, vectors)
    target = _unit(rng, 1)[0]
    assert _nearest(session, target, 1) != [ids[3]]
    session.execute(update(Embedding).where(Embedding.paper_id == ids[3]).values(vector=target))
    backend_for(session).vectors.refresh(session, model=MODEL_NAME, paper_ids=[ids[3]])
    assert _nearest(session, target, 1) == [ids[3]]
    session.execute(delete(Paper).where(Paper.id == ids[3]))  # embeddings cascade
    backend_for(session).vectors.sync(session, model=MODEL_NAME)
    assert ids[3] not in _nearest(session, target, 20)
    assert len(_nearest(session, target, 50)) == 19


def test_sqlite_graph_survives_a_restart_and_catches_up(tmp_path: Path, engine: Engine) -> None:
    """Another process: a fresh graph object loads the saved file and replays the log."""
    if engine.dialect.name != "sqlite":
        return  # the PostgreSQL index lives in the database (covered above)
    rng = np.random.default_rng(3)
    vectors = _unit(rng, 30)
    with unit_of_work(engine) as session:
        ids = _store(session, vectors)
        backend_for(session).vectors.save(session, model=MODEL_NAME)
    graph = backend_for(session).vectors
    assert isinstance(graph, UsearchVectorIndex) and graph.path and graph.path.exists()
    with unit_of_work(engine) as session:  # a change after the save
        session.execute(
            update(Embedding).where(Embedding.paper_id == ids[0]).values(vector=vectors[1])
        )
    fresh = UsearchVectorIndex(graph.path)
    with unit_of_work(engine) as session:
        found = fresh.search(session, vector=vectors[1], model=MODEL_NAME, limit=2)
    assert {n.paper_id for n in found} == {ids[0], ids[1]}
    assert fresh.seq == graph.seq + 2  # loaded at the save, then replayed the update


def test_the_graph_library_loads_without_breaking_the_embedder() -> None:
    """usearch first, then onnxruntime, crashed the process: the index module prevents it."""
    code = (
        "from dailypapers.search.vectors import UsearchVectorIndex\n"
        "UsearchVectorIndex(None)._new()\n"
        "import onnxruntime\n"
        "print('alive')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "alive"), done.stderr[-2000:]


def test_a_database_made_anew_at_the_same_path_gets_its_own_graph(tmp_path: Path) -> None:
    """SQLite: the file deleted and created again keeps `<file>.vectors.usearch` beside it,
    whose log position is then above the new log's last change: the graph is rebuilt."""
    from dailypapers.db import migrate
    from dailypapers.db.engine import make_engine

    path = tmp_path / "site.db"
    rng = np.random.default_rng(4)

    def fresh(count: int) -> tuple[Engine, list[int], np.ndarray]:
        for leftover in tmp_path.glob("site.db*"):
            if leftover.is_file() and ".vectors." not in leftover.name:
                leftover.unlink()
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        vectors = _unit(rng, count)
        with unit_of_work(engine) as session:
            ids = _store(session, vectors)
            backend_for(session).vectors.save(session, model=MODEL_NAME)
        return engine, ids, vectors

    old, _, _ = fresh(30)
    old.dispose()
    new, ids, vectors = fresh(5)
    with unit_of_work(new) as session:
        found = _nearest(session, vectors[2], limit=10)
    assert found[0] == ids[2] and set(found) == set(ids)


def test_a_rebuild_holds_every_vector_and_still_finds_the_nearest(session: Session) -> None:
    rng = np.random.default_rng(3)
    vectors = _unit(rng, 40)
    ids = _store(session, vectors)
    assert backend_for(session).vectors.rebuild(session, model=MODEL_NAME) == 40
    query = _unit(rng, 1)[0]
    assert _nearest(session, query) == [ids[i] for i in np.argsort(-(vectors @ query))[:5]]


def test_a_bulk_sync_replaces_changed_rows(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From BULK changed rows on, PostgreSQL drops its graph, replaces the rows by COPY and
    builds the graph again (SQLite's graph is updated the same way at any size)."""
    monkeypatch.setattr(vectors_pgvector, "BULK", 5)
    rng = np.random.default_rng(4)
    vectors = _unit(rng, 30)
    ids = _store(session, vectors)  # 30 new rows: a bulk write into an empty table
    moved = _unit(rng, 8)
    for pid, vector in zip(ids[:8], moved, strict=True):
        session.execute(
            update(Embedding)
            .where(Embedding.paper_id == pid)
            .values(vector=vector, text_hash=f"moved{pid}")
        )
    backend_for(session).vectors.sync(session, model=MODEL_NAME)  # 8 rows: bulk again
    for k in range(8):
        assert _nearest(session, moved[k], 1) == [ids[k]]
    for k in (10, 20, 29):
        assert _nearest(session, vectors[k], 1) == [ids[k]]
    assert len(_nearest(session, moved[0], 50)) == 30
