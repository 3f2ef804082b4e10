"""The vector index: one interface, an implementation per backend.

The `embeddings` table is the canonical store everywhere; an index is derived from it.

SQLite: an HNSW graph (usearch, half precision, cosine) in a file beside the database file.
Triggers log every change to `embeddings` in `search_vector_changes`; each process keeps the
graph in memory and replays the log before it searches, so inserts, updates and cascaded
deletes by any writer are seen. `save` writes the graph to a temporary file and renames it
into place under a file lock, then prunes the log up to what the file holds; a process that
finds its position pruned reloads the file. A rebuild is made beside the old file and swapped.

PostgreSQL: pgvector's HNSW index on `paper_vectors` (halfvec, cosine), which `sync` fills
from `embeddings` (missing rows, changed text, another model): `search/vectors_pgvector.py`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from dailypapers.search.models import Embedding

if TYPE_CHECKING:
    from usearch.index import Index

READ_BATCH = 20_000
ID_CHUNK = 10_000  # ids bound in one IN (...): under SQLite's 32,766 variables


@dataclass(frozen=True, slots=True)
class Neighbour:
    paper_id: int
    similarity: float  # cosine


# A graph built by several threads can miss a neighbour; up to this many vectors a scan of
# them all costs a few milliseconds and is exact (and the same on every run).
EXACT_SEARCH_UP_TO = 10_000


class VectorIndex(Protocol):
    def search(
        self, session: Session, *, vector: np.ndarray, model: str, limit: int
    ) -> list[Neighbour]:
        """The `limit` nearest papers by cosine, nearest first (approximate)."""
        ...

    def refresh(self, session: Session, *, model: str, paper_ids: Sequence[int]) -> None:
        """These papers' vectors were just written: index them (or note that they changed)."""
        ...

    def sync(self, session: Session, *, model: str) -> int:
        """Bring the index up to date with `embeddings`; returns the rows changed."""
        ...

    def save(self, session: Session, *, model: str) -> None:
        """Persist what `sync` did (a no-op where the index lives in the database)."""
        ...

    def rebuild(self, session: Session, *, model: str) -> int:
        """Build the index anew from `embeddings`; returns the number of vectors."""
        ...


def stored_vectors(
    session: Session, *, model: str, paper_ids: Sequence[int] | None = None
) -> Iterator[tuple[list[int], np.ndarray]]:
    """Batches of (ids, vectors) of `model` from the canonical table."""
    stmt = select(Embedding.paper_id, Embedding.vector).where(Embedding.model == model)
    if paper_ids is not None:
        stmt = stmt.where(Embedding.paper_id.in_(list(paper_ids)))
    result = session.execute(stmt.order_by(Embedding.paper_id)).yield_per(READ_BATCH)
    for rows in result.partitions():
        yield [r[0] for r in rows], np.stack([r[1] for r in rows])


# ---------------------------------------------------------------- SQLite: usearch file


def usearch_class() -> type[Index]:
    """usearch's Index, loaded after onnxruntime: importing onnxruntime 1.31 after usearch
    2.26 crashes the process (both bring native code), the other order is fine."""
    with contextlib.suppress(ImportError):
        import onnxruntime  # noqa: F401
    from usearch.index import Index

    return Index


class UsearchVectorIndex:
    """One HNSW graph per database file, shared by the sessions of a process."""

    def __init__(
        self,
        path: Path | None,
        *,
        dim: int = 384,
        connectivity: int = 16,
        # 75k real papers, 200 held-out title queries (benchmarks/search.py), 2026-11-30:
        # 128 built in 32.6 s with recall@10 0.9745; 96 in 26.3 s, 0.9695; 64 in 17.7 s, 0.962
        expansion_add: int = 64,
        expansion_search: int = 256,
    ) -> None:
        self.path = path  # None: in memory only (an in-memory database)
        self.dim = dim
        self.params = {
            "connectivity": connectivity,
            "expansion_add": expansion_add,
            "expansion_search": expansion_search,
        }
        self.index: Index | None = None
        self.model: str | None = None
        self.seq = 0  # the last change of `search_vector_changes` applied
        self._lock = threading.RLock()

    def _new(self) -> Index:
        return usearch_class()(
            ndim=self.dim,
            metric="cos",
            dtype="f16",
            connectivity=self.params["connectivity"],
            expansion_add=self.params["expansion_add"],
            expansion_search=self.params["expansion_search"],
        )

    def _loaded(self) -> Index:
        if self.index is None:
            raise RuntimeError("the vector index is not loaded")
        return self.index

    @property
    def meta_path(self) -> Path | None:
        return self.path.with_name(self.path.name + ".json") if self.path else None

    def _last_change(self, session: Session) -> int:
        value = session.scalar(
            text("SELECT seq FROM sqlite_sequence WHERE name = 'search_vector_changes'")
        )
        return int(value or 0)

    def _read_meta(self) -> dict[str, object] | None:
        if self.meta_path is None or not self.meta_path.exists() or not self.path:
            return None
        if not self.path.exists():
            return None
        try:
            meta: dict[str, object] = json.loads(self.meta_path.read_text())
        except (OSError, ValueError):
            return None
        return meta

    def _load_file(self, model: str) -> bool:
        meta = self._read_meta()
        if meta is None or meta.get("model") != model or meta.get("dim") != self.dim:
            return False
        index = self._new()
        index.load(str(self.path))
        self.index, self.model, self.seq = index, model, int(str(meta["seq"]))
        return True

    def _ready(self, session: Session, model: str) -> None:
        """Loaded, for `model`, and caught up with the change log."""
        stale = self.index is None or self.model != model
        if stale and not self._load_file(model):
            self._build(session, model)
            return
        last = self._last_change(session)
        if last == self.seq:
            return
        meta = self._read_meta()
        if meta is not None and int(meta.get("seq", 0)) > self.seq:  # type: ignore[call-overload]
            self._load_file(model)  # the log before it may have been pruned
        self._replay(session, model)

    def _replay(self, session: Session, model: str) -> int:
        if self._last_change(session) < self.seq:  # the log never falls: another database
            return self._build(session, model)  # at this path (the file deleted, made anew)
        rows = session.execute(
            text("SELECT seq, paper_id FROM search_vector_changes WHERE seq > :seq ORDER BY seq"),
            {"seq": self.seq},
        ).all()
        if not rows:
            self.seq = self._last_change(session)
            return 0
        changed = sorted({r[1] for r in rows})
        index = self._loaded()
        for start in range(0, len(changed), ID_CHUNK):
            chunk = changed[start : start + ID_CHUNK]
            index.remove(np.array(chunk, dtype=np.uint64))
            for ids, vectors in stored_vectors(session, model=model, paper_ids=chunk):
                index.add(np.array(ids, dtype=np.uint64), vectors)
        self.seq = max(int(rows[-1][0]), self.seq)
        return len(changed)

    def _build(self, session: Session, model: str) -> int:
        seq = self._last_change(session)
        index = self._new()
        for ids, vectors in stored_vectors(session, model=model):
            index.add(np.array(ids, dtype=np.uint64), vectors)
        self.index, self.model, self.seq = index, model, seq
        return len(index)

    def search(
        self, session: Session, *, vector: np.ndarray, model: str, limit: int
    ) -> list[Neighbour]:
        with self._lock:
            self._ready(session, model)
            index = self._loaded()
            if not len(index):
                return []
            # Wider beams on big graphs: recall@10 on the 1M benchmark corpus is 0.895 at 256,
            # 0.943 at 512 and 0.966 at 1024 (75k: 0.97 at 256).
            size_beam = min(1024, len(index) // 1000)
            expansion = max(self.params["expansion_search"], limit, size_beam)
            # usearch defines this setter after another one, which mypy reads as read-only
            index.expansion_search = expansion  # type: ignore[misc]
            small = len(index) <= EXACT_SEARCH_UP_TO
            found = index.search(
                np.asarray(vector, dtype=np.float32), limit, threads=1, exact=small
            )
        return [
            Neighbour(int(k), 1.0 - float(d))
            for k, d in zip(found.keys, found.distances, strict=True)
        ]

    def refresh(self, session: Session, *, model: str, paper_ids: Sequence[int]) -> None:
        return None  # the triggers logged the change; the next search replays it

    def sync(self, session: Session, *, model: str) -> int:
        with self._lock:
            stale = self.index is None or self.model != model
            if stale and not self._load_file(model):
                return self._build(session, model)
            return self._replay(session, model)

    def save(self, session: Session, *, model: str) -> None:
        if self.path is None:
            return
        with self._lock, _file_lock(self.path):
            self.sync(session, model=model)
            self._write(model)
        session.execute(
            text("DELETE FROM search_vector_changes WHERE seq <= :seq"), {"seq": self.seq}
        )

    def _write(self, model: str) -> None:
        assert self.path is not None and self.meta_path is not None
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        index = self._loaded()
        index.save(str(tmp))
        os.replace(tmp, self.path)
        meta = {"model": model, "dim": self.dim, "seq": self.seq, "count": len(index)}
        tmp_meta = self.meta_path.with_name(f".{self.meta_path.name}.{os.getpid()}.tmp")
        tmp_meta.write_text(json.dumps(meta))
        os.replace(tmp_meta, self.meta_path)

    def rebuild(self, session: Session, *, model: str) -> int:
        with self._lock:
            count = self._build(session, model)
            if self.path is not None:
                with _file_lock(self.path):
                    self._write(model)
        return count


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_usearch_indexes: dict[str, UsearchVectorIndex] = {}
_registry_lock = threading.Lock()


def usearch_index_for(database: str | None) -> UsearchVectorIndex:
    """The process's graph for one SQLite database file (`<file>.vectors.usearch` beside it)."""
    key = database or ":memory:"
    with _registry_lock:
        if key not in _usearch_indexes:
            path = None
            if database and database != ":memory:":
                path = Path(database).resolve().with_name(Path(database).name + ".vectors.usearch")
            _usearch_indexes[key] = UsearchVectorIndex(path)
        return _usearch_indexes[key]
