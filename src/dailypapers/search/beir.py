"""A quality harness: nDCG@10 and Recall@100 on a BEIR-layout collection, per search mode.

The collection (`corpus.jsonl`, `queries.jsonl`, `qrels/test.tsv`) is loaded into a fresh
SQLite database in a temporary folder, embedded, and every judged query is run through the
same `search_papers` the site uses.
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, insert, select

from dailypapers.db import migrate
from dailypapers.db.base import utcnow
from dailypapers.db.engine import make_engine, unit_of_work
from dailypapers.papers.models import Paper
from dailypapers.search.embedder import Embedder
from dailypapers.search.fusion import Fusion, fuse
from dailypapers.search.indexing import run_embed_backlog
from dailypapers.search.service import MODES, Mode, search_papers


class CollectionError(ValueError):
    """The folder is not a readable BEIR collection; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Collection:
    corpus: list[tuple[str, str, str]]  # id, title, text
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def _jsonl(path: Path) -> Iterator[dict[str, object]]:
    if not path.is_file():
        raise CollectionError(f"{path} is missing")
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise CollectionError(f"{path}:{number}: not JSON ({exc})") from None
            if not isinstance(row, dict) or "_id" not in row:
                raise CollectionError(f"{path}:{number}: a record needs an _id")
            yield row


def read_collection(folder: Path) -> Collection:
    corpus = [
        (str(r["_id"]), str(r.get("title") or ""), str(r.get("text") or ""))
        for r in _jsonl(folder / "corpus.jsonl")
    ]
    queries = {str(r["_id"]): str(r.get("text") or "") for r in _jsonl(folder / "queries.jsonl")}
    qrels_path = folder / "qrels" / "test.tsv"
    if not qrels_path.is_file():
        raise CollectionError(f"{qrels_path} is missing")
    qrels: dict[str, dict[str, int]] = {}
    with qrels_path.open(encoding="utf-8") as f:
        for number, row in enumerate(csv.reader(f, delimiter="\t"), start=1):
            if number == 1 and row and not row[-1].lstrip("-").isdigit():
                continue  # the header
            if len(row) != 3 or not row[2].lstrip("-").isdigit():
                raise CollectionError(f"{qrels_path}:{number}: expected query-id, corpus-id, score")
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    return Collection(corpus, queries, qrels)


def ndcg_at(ranked: Sequence[str], judged: dict[str, int], k: int = 10) -> float:
    """nDCG@k with linear gains, as pytrec_eval (and so BEIR) computes it."""
    dcg = sum(judged.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: Sequence[str], judged: dict[str, int], k: int = 100) -> float:
    relevant = {d for d, g in judged.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


@contextmanager
def collection_database(collection: Collection) -> Iterator[Engine]:
    """A temporary SQLite database holding the corpus as papers keyed `beir:<id>`."""
    with tempfile.TemporaryDirectory(prefix="dailypapers-beir-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'beir.db'}")
        try:
            migrate.upgrade(engine)
            now = utcnow()
            rows = [
                {
                    "key": f"beir:{doc_id}",
                    "title": title or text[:80],
                    "abstract": text,
                    "categories": [],
                    "base_upvotes": 0,
                    "hidden": False,
                    "featured": False,
                    "created_at": now,
                    "modified_at": now,
                }
                for doc_id, title, text in collection.corpus
            ]
            with engine.begin() as conn:
                for start in range(0, len(rows), 5000):
                    conn.execute(insert(Paper), rows[start : start + 5000])
            yield engine
        finally:
            engine.dispose()


@dataclass(slots=True)
class RankedLists:
    """Per judged query: the keyword and semantic lists, 100 deep, as collection id -> raw
    score (BM25 or ts_rank; cosine similarity), best first."""

    keyword: dict[str, dict[str, float]]
    semantic: dict[str, dict[str, float]]
    every: dict[str, set[str]]  # the keyword list's documents holding every query term


def ranked_lists(
    engine: Engine, collection: Collection, *, embedder: Callable[[], Embedder], depth: int = 100
) -> RankedLists:
    lists = RankedLists({}, {}, {})
    fusion = Fusion(candidates=depth)
    with unit_of_work(engine) as session:
        ids = {
            row.id: row.key.removeprefix("beir:")
            for row in session.execute(select(Paper.key, Paper.id))
        }
        for qid in collection.qrels:
            text = collection.queries.get(qid, "")
            keyword, semantic = (
                search_papers(
                    session,
                    query=text,
                    mode=mode,
                    limit=depth,
                    fusion=fusion,
                    embedder=embedder,
                    highlight=False,
                ).hits
                for mode in ("keyword", "semantic")
            )
            lists.keyword[qid] = {ids[h.paper_id]: h.keyword_score or 0.0 for h in keyword}
            lists.every[qid] = {ids[h.paper_id] for h in keyword if h.every_term}
            lists.semantic[qid] = {ids[h.paper_id]: h.semantic_score or 0.0 for h in semantic}
    return lists


def scores(
    collection: Collection, lists: RankedLists, fusion: Fusion
) -> dict[Mode, dict[str, float]]:
    """Mean nDCG@10 and Recall@100 for keyword, semantic and their fusion."""
    runs: dict[Mode, dict[str, list[str]]] = {
        "keyword": {q: list(found) for q, found in lists.keyword.items()},
        "semantic": {q: list(found) for q, found in lists.semantic.items()},
        "hybrid": {
            q: list(fuse(lists.keyword[q], lists.semantic[q], fusion, every=lists.every[q]))
            for q in lists.keyword
        },
    }
    table: dict[Mode, dict[str, float]] = {}
    for mode in MODES:
        run = runs[mode]
        judged = [q for q in collection.qrels if q in run]
        table[mode] = {
            "ndcg@10": sum(ndcg_at(run[q], collection.qrels[q]) for q in judged) / len(judged),
            "recall@100": sum(recall_at(run[q], collection.qrels[q]) for q in judged) / len(judged),
        }
    return table


def evaluate(
    folder: Path,
    *,
    embedder: Callable[[], Embedder],
    fusion: Fusion | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[Mode, dict[str, float]]:
    """Load, embed and run a BEIR collection; the table of `scores`."""
    collection = read_collection(folder)
    with collection_database(collection) as engine:
        run_embed_backlog(engine, embedder=embedder(), progress=progress)
        lists = ranked_lists(engine, collection, embedder=embedder)
    return scores(collection, lists, fusion or Fusion())
