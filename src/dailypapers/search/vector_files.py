"""Vectors from a file and back: `index import-vectors` and `index export-vectors`.

The format: a NumPy `.npy` array of float16 or float32 rows, and a text file of arXiv ids,
one a line, in the same order. Users embed on a GPU machine and load the result here. An
import checks everything before it writes anything; the canonical `embeddings` table gets
the rows (L2-normalized, with the hash of each paper's current text, so the embedding job
treats them as current) and the vector index is synced afterwards by the caller.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from dailypapers.db.base import utcnow
from dailypapers.papers.models import Paper
from dailypapers.search.embedder import DIM, MODEL_NAME
from dailypapers.search.indexing import queue
from dailypapers.search.models import Embedding
from dailypapers.search.text import embedding_text, text_hash

KNOWN_MODELS = {MODEL_NAME: DIM}  # the models the site can embed queries with
CHUNK = 5_000
_VERSION = re.compile(r"v\d+$")


class VectorFileError(ValueError):
    """The files cannot be imported as they are; nothing was written."""


@dataclass(frozen=True, slots=True)
class VectorFile:
    vectors: np.ndarray  # (n, dim), float16 or float32, possibly memory-mapped
    ids: list[str]


@dataclass(slots=True)
class VectorImport:
    rows: int = 0  # rows in the file
    written: int = 0  # papers whose vector was stored
    unknown: int = 0  # ids not in the catalogue (skipped)

    def as_dict(self) -> dict[str, int]:
        return {"rows": self.rows, "written": self.written, "unknown": self.unknown}


def read_vector_file(vectors: Path, ids: Path, *, model: str) -> VectorFile:
    """Both files, checked: shape, type, dimension of `model`, one id per row, no repeats."""
    if model not in KNOWN_MODELS:
        known = ", ".join(sorted(KNOWN_MODELS))
        raise VectorFileError(f"unknown model {model!r}: this site embeds queries with {known}")
    try:
        array = np.load(vectors, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise VectorFileError(f"{vectors}: not a NumPy .npy array ({exc})") from None
    if array.ndim != 2 or array.dtype not in (np.float16, np.float32):
        raise VectorFileError(
            f"{vectors}: expected rows of float16 or float32, found a {array.ndim}-d "
            f"{array.dtype} array of shape {array.shape}"
        )
    if array.shape[1] != KNOWN_MODELS[model]:
        raise VectorFileError(
            f"{vectors}: rows have {array.shape[1]} numbers; {model} vectors have "
            f"{KNOWN_MODELS[model]}"
        )
    names = _read_ids(ids)
    if len(names) != array.shape[0]:
        raise VectorFileError(
            f"{ids} holds {len(names):,} ids but {vectors} holds {array.shape[0]:,} rows"
        )
    return VectorFile(array, names)


def _read_ids(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise VectorFileError(f"{path}: cannot read the ids ({exc})") from None
    names = [line.strip() for line in lines]
    for number, name in enumerate(names, start=1):
        if not name or any(c.isspace() for c in name):
            raise VectorFileError(f"{path}, line {number}: expected one arXiv id, got {name!r}")
    seen: set[str] = set()
    for number, name in enumerate(names, start=1):
        if name in seen:
            raise VectorFileError(f"{path}, line {number}: {name} appears twice")
        seen.add(name)
    return names


def import_vectors(session: Session, file: VectorFile, *, model: str) -> VectorImport:
    """Store the file's vectors for the papers the catalogue has; flushes, never commits.
    Rows that are not finite are refused before anything is written."""
    finite = all(np.isfinite(np.asarray(c, dtype=np.float32)).all() for _, c in _chunks(file))
    if not finite:
        raise VectorFileError("the file holds NaN or infinite numbers")
    summary = VectorImport(rows=len(file.ids))
    for start, chunk in _chunks(file):
        names = file.ids[start : start + len(chunk)]
        papers = _papers_by_arxiv_id(session, names)
        summary.unknown += len(names) - len(papers)
        rows = [(i, papers[n]) for i, n in enumerate(names) if n in papers]
        if not rows:
            continue
        vectors = np.asarray(chunk[[i for i, _ in rows]], dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        _store(session, [p for _, p in rows], vectors, model)
        summary.written += len(rows)
    session.flush()
    return summary


def _chunks(file: VectorFile) -> Iterator[tuple[int, np.ndarray]]:
    for start in range(0, len(file.ids), CHUNK):
        yield start, file.vectors[start : start + CHUNK]


def _papers_by_arxiv_id(session: Session, names: list[str]) -> dict[str, tuple[int, str]]:
    """The file's id (a version suffix is ignored) -> (paper id, hash of its text)."""
    bare = {name: _VERSION.sub("", name) for name in names}
    rows = session.execute(
        select(Paper.arxiv_id, Paper.id, Paper.title, Paper.abstract).where(
            Paper.arxiv_id.in_(set(bare.values()))
        )
    )
    found = {a: (pid, text_hash(embedding_text(t, ab or ""))) for a, pid, t, ab in rows}
    return {name: found[b] for name, b in bare.items() if b in found}


def _store(
    session: Session, papers: list[tuple[int, str]], vectors: np.ndarray, model: str
) -> None:
    ids = [pid for pid, _ in papers]
    session.execute(delete(Embedding).where(Embedding.paper_id.in_(ids)))
    session.execute(delete(queue).where(queue.c.paper_id.in_(ids)))
    now = utcnow()
    session.execute(
        cast(Table, Embedding.__table__).insert(),
        [
            {"paper_id": pid, "model": model, "text_hash": digest, "dim": vectors.shape[1],
             "vector": vector, "created_at": now}
            for (pid, digest), vector in zip(papers, vectors, strict=True)
        ],
    )  # fmt: skip


def export_vectors(session: Session, vectors: Path, ids: Path, *, model: str) -> int:
    """Write the stored vectors of `model` (papers with an arXiv id) as float16 rows and
    their ids; each file is written beside its target, then renamed. Returns the rows."""
    rows = session.execute(
        select(Paper.arxiv_id, Embedding.vector)
        .join(Paper, Paper.id == Embedding.paper_id)
        .where(Embedding.model == model, Paper.arxiv_id.isnot(None))
        .order_by(Paper.id)
    ).all()
    dim = KNOWN_MODELS.get(model, DIM)
    array = np.stack([r[1] for r in rows]).astype(np.float16) if rows else np.zeros((0, dim))
    tmp_vectors = vectors.with_name(f".{vectors.name}.{os.getpid()}.tmp.npy")
    tmp_ids = ids.with_name(f".{ids.name}.{os.getpid()}.tmp")
    np.save(tmp_vectors, array.astype(np.float16), allow_pickle=False)
    tmp_ids.write_text("".join(f"{r[0]}\n" for r in rows), encoding="utf-8")
    os.replace(tmp_vectors, vectors)
    os.replace(tmp_ids, ids)
    return len(rows)
