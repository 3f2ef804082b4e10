"""Tune reciprocal rank fusion on the two BEIR collections (CACM, Cranfield), and only those.

    .venv/bin/python benchmarks/tune_fusion.py [--embedder onnx-int8|onnx|torch]

Runs every judged query once in keyword and in semantic mode (100 deep), then scores a grid
of RRF settings (k, keyword weight, semantic weight) on the saved lists and prints the best
by the mean nDCG@10 of the two collections, and the table of the defaults.
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import time
from pathlib import Path

from dailypapers.search.beir import collection_database, ranked_lists, read_collection, scores
from dailypapers.search.embedder import load_embedder
from dailypapers.search.fusion import Fusion
from dailypapers.search.indexing import run_embed_backlog

RELEVANCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "relevance"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedder", default="onnx-int8")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "dailypapers-models"))
    args = parser.parse_args()
    embedder = load_embedder(args.embedder, Path(args.cache))
    prepared = {}
    for name in ("cacm", "cranfield"):
        collection = read_collection(RELEVANCE / name)
        started = time.time()
        with collection_database(collection) as engine:
            run_embed_backlog(engine, embedder=embedder)
            lists = ranked_lists(engine, collection, embedder=lambda: embedder)
        print(
            f"{name}: {len(collection.corpus)} docs embedded and searched in "
            f"{time.time() - started:.0f} s"
        )
        prepared[name] = (collection, lists)
    grid = []
    for k, kw, sem in itertools.product(
        (5, 10, 20, 40, 60, 100), (0.5, 0.75, 1.0, 1.25, 1.5, 2.0), (1.0,)
    ):
        fusion = Fusion(k=k, keyword_weight=kw, semantic_weight=sem)
        table = {n: scores(c, lst, fusion) for n, (c, lst) in prepared.items()}
        wins = all(
            t["hybrid"]["ndcg@10"] > max(t["keyword"]["ndcg@10"], t["semantic"]["ndcg@10"])
            for t in table.values()
        )
        mean = sum(t["hybrid"]["ndcg@10"] for t in table.values()) / len(table)
        grid.append((mean, wins, k, kw, sem, table))
    grid.sort(key=lambda g: -g[0])
    for mean, wins, k, kw, sem, table in grid[:8]:
        per = "  ".join(f"{n} {t['hybrid']['ndcg@10']:.4f}" for n, t in table.items())
        print(f"k={k:<4} kw={kw:<5} sem={sem:<4} mean nDCG@10 {mean:.4f} wins={wins}  {per}")
    print(json.dumps({n: scores(c, lst, Fusion()) for n, (c, lst) in prepared.items()}, indent=1))


if __name__ == "__main__":
    main()
