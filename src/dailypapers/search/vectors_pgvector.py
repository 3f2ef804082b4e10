"""PostgreSQL's vector index: pgvector's HNSW graph on `paper_vectors` (halfvec, cosine).

`sync` fills the table from the canonical `embeddings` (missing rows, changed text, another
model); from BULK rows on it drops the graph, writes the rows and builds the graph once.
Rows go to the server in pgvector's binary halfvec form (pgvector-python's dumper): a text
literal of 384 numbers costs far more to print and to parse than the vector does to send.
Without a graph to update (a bulk sync, a rebuild) they go by COPY, else one upsert a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import psycopg
from pgvector import HalfVector
from pgvector.psycopg.halfvec import HalfVectorBinaryDumper
from psycopg.types import TypeInfo
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from dailypapers.search.models import Embedding
from dailypapers.search.vectors import ID_CHUNK, Neighbour

BULK = 10_000  # rows from which a sync rebuilds the HNSW graph instead of updating it
HNSW_INDEX = (  # as in migration 0002_search, whose empty index takes rows one by one
    "CREATE INDEX ix_paper_vectors_hnsw ON paper_vectors "
    "USING hnsw (embedding halfvec_cosine_ops) WITH (m = 16, ef_construction = {ef})"
)
# A graph built at once over up to this many rows searches its candidates 64 wide instead of
# 128: at 75k real vectors 17-26 s instead of 31-37 s, recall@10 of held-out titles 0.961-0.965
# instead of 0.972 (benchmarks/search.py, README). Bigger graphs keep 128, measured at 1M.
SMALL_GRAPH = 250_000
COPY = "COPY paper_vectors (paper_id, model, text_hash, embedding) FROM STDIN (FORMAT BINARY)"
UPSERT = (
    "INSERT INTO paper_vectors (paper_id, model, text_hash, embedding) "
    "VALUES (%s, %s, %s, %b) ON CONFLICT (paper_id) "
    "DO UPDATE SET model = EXCLUDED.model, text_hash = EXCLUDED.text_hash, "
    "embedding = EXCLUDED.embedding"
)


def _build_graph(session: Session) -> int:  # fast while the graph (~1.4 KB a row) fits in memory
    rows = session.scalar(text("SELECT count(*) FROM paper_vectors")) or 0
    megabytes = min(max(rows * 2 // 1024, 1024), 4096)  # 1M rows at 1GB: over 35 minutes
    session.execute(text(f"SET LOCAL maintenance_work_mem = '{megabytes}MB'"))
    session.execute(text(HNSW_INDEX.format(ef=64 if rows <= SMALL_GRAPH else 128)))
    return rows


def _literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(vector, dtype=np.float32)) + "]"


def _binary_cursor(session: Session) -> tuple[psycopg.Cursor[Any], int]:
    """A cursor in the session's transaction that sends `HalfVector`s in binary, and the
    type's oid."""
    raw = cast("psycopg.Connection[Any]", session.connection().connection.dbapi_connection)
    info = TypeInfo.fetch(raw, "halfvec")
    if info is None:
        raise RuntimeError("the pgvector extension (type halfvec) is not installed")
    cursor = raw.cursor()
    dumper = type("HalfvecDumper", (HalfVectorBinaryDumper,), {"oid": info.oid})
    cursor.adapters.register_dumper(HalfVector, dumper)
    return cursor, info.oid


class PgvectorIndex:
    def __init__(self, ef_search: int = 200) -> None:
        self.ef_search = ef_search

    def search(
        self, session: Session, *, vector: np.ndarray, model: str, limit: int
    ) -> list[Neighbour]:
        ef = min(max(self.ef_search, limit), 1000)
        session.execute(text("SELECT set_config('hnsw.ef_search', :ef, true)"), {"ef": str(ef)})
        rows = session.execute(
            text(
                "SELECT paper_id, 1 - (embedding <=> CAST(:q AS halfvec)) FROM paper_vectors "
                "WHERE model = :model ORDER BY embedding <=> CAST(:q AS halfvec) LIMIT :limit"
            ),
            {"q": _literal(vector), "model": model, "limit": limit},
        ).all()
        return [Neighbour(int(pid), float(sim)) for pid, sim in rows]

    def refresh(self, session: Session, *, model: str, paper_ids: Sequence[int]) -> None:
        self._write(session, model=model, paper_ids=list(paper_ids))

    def sync(self, session: Session, *, model: str) -> int:
        removed = (
            session.connection()
            .execute(text("DELETE FROM paper_vectors WHERE model <> :model"), {"model": model})
            .rowcount
        )
        stale = list(
            session.scalars(
                text(
                    "SELECT e.paper_id FROM embeddings e LEFT JOIN paper_vectors v "
                    "ON v.paper_id = e.paper_id WHERE e.model = :model "
                    "AND (v.paper_id IS NULL OR v.text_hash <> e.text_hash)"
                ),
                {"model": model},
            )
        )
        if len(stale) < BULK:
            return removed + self._write(session, model=model, paper_ids=stale)
        # Many rows: building the graph once afterwards beats inserting into it row by row.
        session.execute(text("DROP INDEX IF EXISTS ix_paper_vectors_hnsw"))
        written = self._write(session, model=model, paper_ids=stale, bulk=True)
        _build_graph(session)
        return removed + written

    def _write(
        self, session: Session, *, model: str, paper_ids: list[int], bulk: bool = False
    ) -> int:
        """Write these papers' vectors; `bulk` (no graph to keep up to date) replaces their
        rows by COPY, else each row is upserted."""
        if not paper_ids:
            return 0
        written = 0
        cursor, oid = _binary_cursor(session)
        with cursor:
            for start in range(0, len(paper_ids), ID_CHUNK):
                rows = session.execute(
                    select(Embedding.paper_id, Embedding.text_hash, Embedding.vector).where(
                        Embedding.paper_id.in_(paper_ids[start : start + ID_CHUNK]),
                        Embedding.model == model,
                    )
                ).all()
                values = [(p, model, h, HalfVector(v)) for p, h, v in rows]
                if bulk and values:
                    ids = [row[0] for row in values]
                    cursor.execute("DELETE FROM paper_vectors WHERE paper_id = ANY(%s)", [ids])
                    with cursor.copy(COPY) as copy:
                        copy.set_types(["integer", "text", "text", oid])
                        for row in values:
                            copy.write_row(row)
                elif values:
                    cursor.executemany(UPSERT, values)
                written += len(values)
        return written

    def save(self, session: Session, *, model: str) -> None:
        return None

    def rebuild(self, session: Session, *, model: str) -> int:
        session.execute(text("DROP INDEX IF EXISTS ix_paper_vectors_hnsw"))
        session.execute(text("DELETE FROM paper_vectors"))
        ids = list(session.scalars(select(Embedding.paper_id).where(Embedding.model == model)))
        self._write(session, model=model, paper_ids=ids, bulk=True)
        return _build_graph(session)  # once (a sync from empty built it, then it was built again)
