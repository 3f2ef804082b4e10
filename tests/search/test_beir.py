"""The quality harness on a tiny BEIR collection, and its metrics on known rankings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from dailypapers.search.beir import CollectionError, evaluate, ndcg_at, read_collection, recall_at
from dailypapers.search.embedder import Embedder

DOCS = [
    ("d1", "Boundary layer transition", "Laminar flow becomes turbulent over a flat plate."),
    ("d2", "Heat transfer in hypersonic flight", "Aerodynamic heating of re-entry vehicles."),
    ("d3", "Wing flutter", "Aeroelastic oscillation of wings at high speed."),
    ("d4", "Compilers for ALGOL", "Translating a block-structured programming language."),
    ("d5", "Sorting records on tape", "Merge sorts for magnetic tape files."),
    ("d6", "Hash tables", "Scatter storage for symbol tables in assemblers."),
]
QUERIES = {"q1": "turbulent boundary layer", "q2": "sorting files on magnetic tape",
           "q3": "aeroelastic wing vibration"}  # fmt: skip
QRELS = [("q1", "d1", 2), ("q2", "d5", 1), ("q3", "d3", 3), ("q3", "d2", 1)]


def write_collection(folder: Path) -> Path:
    (folder / "qrels").mkdir(parents=True)
    with (folder / "corpus.jsonl").open("w") as f:
        for doc_id, title, text in DOCS:
            f.write(json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n")
    with (folder / "queries.jsonl").open("w") as f:
        for qid, text in QUERIES.items():
            f.write(json.dumps({"_id": qid, "text": text}) + "\n")
    lines = ["query-id\tcorpus-id\tscore"] + [f"{q}\t{d}\t{s}" for q, d, s in QRELS]
    (folder / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n")
    return folder


def test_metrics_on_known_rankings() -> None:
    judged = {"a": 3, "b": 1, "z": 0}
    assert ndcg_at(["a", "b", "c"], judged) == pytest.approx(1.0)
    worse = ndcg_at(["b", "a"], judged)
    assert worse == pytest.approx((1 + 3 / 1.5849625) / (3 + 1 / 1.5849625))
    assert recall_at(["x", "a"], judged, k=2) == 0.5
    assert recall_at(["x"] * 100 + ["a"], judged) == 0.0  # the 101st is past the cut


def test_evaluate_scores_every_mode(
    tmp_path: Path, embedder_source: Callable[[], Embedder]
) -> None:
    table = evaluate(write_collection(tmp_path / "tiny"), embedder=embedder_source)
    assert list(table) == ["keyword", "semantic", "hybrid"]
    for row in table.values():
        assert set(row) == {"ndcg@10", "recall@100"}
        assert 0.0 <= row["ndcg@10"] <= 1.0
    # d2 shares no word with q3, so keywords find 1 + 1 + 1/2 of the relevant documents.
    assert table["keyword"]["recall@100"] == pytest.approx(5 / 6)
    assert table["semantic"]["recall@100"] == 1.0  # six documents: all are in the top 100
    assert table["hybrid"]["ndcg@10"] > 0.8


def test_a_broken_collection_names_the_file_and_line(tmp_path: Path) -> None:
    folder = write_collection(tmp_path / "broken")
    with (folder / "queries.jsonl").open("a") as f:
        f.write("{not json\n")
    with pytest.raises(CollectionError, match=r"queries\.jsonl:4"):
        read_collection(folder)
    (folder / "corpus.jsonl").unlink()
    with pytest.raises(CollectionError, match=r"corpus\.jsonl is missing"):
        read_collection(folder)
