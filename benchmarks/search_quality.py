"""Search quality at scale: two relevance sets from the 75k corpus, next to CACM and Cranfield.

    .venv/bin/python benchmarks/search_quality.py --write DIR [--set sentence|short]
        # the relevance set, BEIR layout

Both sets hold 400 papers sampled from the searched corpus (the 75k snapshot less its last
200 papers); each query's answer is that paper alone. Each query comes from one sentence of
the paper's abstract: one of its sentences of 10 to 40 words, not the first when there is
another (the first mostly sets the scene; the later ones say what the paper did).

"sentence" (seed 13): the sentence with every word of the paper's title removed, so the
title cannot be matched verbatim. These are "half-remembered" queries: someone recalls what
a paper did, not what it was called. A sentence of 10 to 40 words is nearly a fingerprint
for keyword search, though.

"short" (seed 15): what someone types in a search box, a few words recalled from what the
paper did. From the same kind of sentence: LaTeX commands (\\emph, \\mathcal) and URLs go
first, then every word that is in the title, a stop word of the search
(`dailypapers.search.text.STOP_WORDS`: English function words and use, based, towards),
under 3 characters, or without a letter (figures); repeats go too. Of the words left (the
"content words"), k are kept, k drawn uniformly from 3 to 6 (all of them when fewer are
left; a paper with fewer than 3 is passed over), chosen uniformly at random and kept in
their sentence order, lower-cased. Which words is left to chance on purpose: choosing the
rarest words would hand keyword search a fingerprint, choosing by meaning would favour the
embedder; a person would pick salient words, so this set is if anything harder than real
queries for both modes. It was designed once and measured once (see README).

`benchmarks/search.py --quality` prints nDCG@10 and MRR@10 per mode on both sets, CACM and
Cranfield, in one table.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_corpus import SHARED, RealPaper, read_snapshot
from sqlalchemy import Engine, select

from dailypapers.db.engine import unit_of_work
from dailypapers.papers.models import Paper
from dailypapers.search.beir import collection_database, read_collection
from dailypapers.search.embedder import Embedder
from dailypapers.search.indexing import run_embed_backlog
from dailypapers.search.service import MODES, search_papers
from dailypapers.search.text import STOP_WORDS

SAMPLE = 400
SHORT_SEED = 15
SHORT_WORDS = (3, 6)  # a short query's length in words, drawn uniformly
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\W_]+")
_MARKUP = re.compile(r"\\[A-Za-z]+|\S*(?:://|www\.)\S*")  # LaTeX commands, URLs


def relevance_set(
    corpus: Sequence[RealPaper], n: int = SAMPLE, seed: int = 13
) -> list[tuple[str, str]]:
    """(query, arXiv id) pairs of the "sentence" set, built as the module doc says."""
    return _sampled(corpus, n, seed, _query_for)


def short_set(
    corpus: Sequence[RealPaper], n: int = SAMPLE, seed: int = SHORT_SEED
) -> list[tuple[str, str]]:
    """(query, arXiv id) pairs of the "short" set, built as the module doc says."""
    return _sampled(corpus, n, seed, _short_query_for)


SETS = {"sentence": relevance_set, "short": short_set}


def _sampled(
    corpus: Sequence[RealPaper],
    n: int,
    seed: int,
    query_for: Callable[[RealPaper, random.Random], str | None],
) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs: list[tuple[str, str]] = []
    for paper in rng.sample(list(corpus), n * 2):
        query = query_for(paper, rng)
        if query:
            pairs.append((query, paper.arxiv_id))
        if len(pairs) == n:
            break
    return pairs


def _sentence(paper: RealPaper, rng: random.Random) -> str | None:
    """One abstract sentence of 10 to 40 words, not the first when there is another."""
    sentences = [s for s in _SENTENCE.split(paper.abstract) if 10 <= len(s.split()) <= 40]
    later = sentences[1:] or sentences
    return rng.choice(later) if later else None


def _title_words(paper: RealPaper) -> set[str]:
    return {w.casefold() for w in _WORD.findall(paper.title)}


def _query_for(paper: RealPaper, rng: random.Random) -> str | None:
    title = _title_words(paper)
    sentence = _sentence(paper, rng)
    if sentence is None:
        return None
    words = [w for w in _WORD.findall(sentence) if w.casefold() not in title]
    return " ".join(words) if len(words) >= 6 else None


def _short_query_for(paper: RealPaper, rng: random.Random) -> str | None:
    title = _title_words(paper)
    sentence = _sentence(paper, rng)
    if sentence is None:
        return None
    words = dict.fromkeys(
        w.lower()
        for w in _WORD.findall(_MARKUP.sub(" ", sentence))
        if w.casefold() not in title
        and w.lower() not in STOP_WORDS
        and len(w) >= 3
        and any(c.isalpha() for c in w)
    )
    content = list(words)
    if len(content) < SHORT_WORDS[0]:
        return None
    k = min(rng.randint(*SHORT_WORDS), len(content))
    return " ".join(content[i] for i in sorted(rng.sample(range(len(content)), k)))


def reciprocal_rank(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    for i, doc in enumerate(ranked[:k]):
        if doc in relevant:
            return 1 / (i + 1)
    return 0.0


def ndcg(ranked: Sequence[str], judged: dict[str, int], k: int = 10) -> float:
    dcg = sum(judged.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 0.0


def measure(
    engine: Engine,
    queries: dict[str, str],
    qrels: dict[str, dict[str, int]],
    embedder: Callable[[], Embedder],
    key: Callable[[str], str] = lambda k: k,
) -> dict[str, tuple[float, float]]:
    """Mode -> (mean nDCG@10, mean MRR@10), through `search_papers` (10 results)."""
    table: dict[str, tuple[float, float]] = {}
    with unit_of_work(engine) as session:
        keys = dict(session.execute(select(Paper.id, Paper.key)).all())
        for mode in MODES:
            n_sum = r_sum = 0.0
            for qid, judged in qrels.items():
                found = search_papers(
                    session, query=queries[qid], mode=mode, limit=10, embedder=embedder,
                    highlight=False,
                )  # fmt: skip
                ranked = [key(keys[h.paper_id]) for h in found.hits]
                n_sum += ndcg(ranked, judged)
                r_sum += reciprocal_rank(ranked, {d for d, g in judged.items() if g > 0})
            table[mode] = (n_sum / len(qrels), r_sum / len(qrels))
    return table


def collection_scores(folder: Path, embedder: Embedder) -> dict[str, tuple[float, float]]:
    """CACM or Cranfield, loaded and embedded in a temporary database."""
    collection = read_collection(folder)
    with collection_database(collection) as engine:
        run_embed_backlog(engine, embedder=embedder)
        qrels = {q: j for q, j in collection.qrels.items() if q in collection.queries}
        return measure(
            engine,
            collection.queries,
            qrels,
            lambda: embedder,
            key=lambda k: k.removeprefix("beir:"),
        )


def print_table(rows: dict[str, dict[str, tuple[float, float]]]) -> None:
    print("| collection | mode | nDCG@10 | MRR@10 |")
    print("|---|---|---|---|")
    for name, table in rows.items():
        best = max(n for n, _ in table.values())
        for mode, (n, r) in table.items():
            shown = f"**{n:.4f}**" if n == best else f"{n:.4f}"
            print(f"| {name} | {mode} | {shown} | {r:.4f} |")


def write(folder: Path, pairs: list[tuple[str, str]]) -> None:
    """The set in BEIR layout (queries.jsonl, qrels/test.tsv); the corpus is the snapshot."""
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    with (folder / "queries.jsonl").open("w", encoding="utf-8") as f:
        for n, (query, _) in enumerate(pairs):
            f.write(json.dumps({"_id": f"q{n}", "text": query}) + "\n")
    with (folder / "qrels" / "test.tsv").open("w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for n, (_, arxiv_id) in enumerate(pairs):
            f.write(f"q{n}\t{arxiv_id}\t1\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, required=True, help="Folder for the set.")
    parser.add_argument("--held-out", type=int, default=200, help="Last papers not searched.")
    parser.add_argument("--set", choices=SETS, default="sentence", help="Which set (module doc).")
    args = parser.parse_args()
    corpus = read_snapshot()[: -args.held_out]
    pairs = SETS[args.set](corpus)
    write(args.write, pairs)
    print(
        f"{len(pairs)} queries of the {args.set} set written to {args.write} "
        f"(corpus: {SHARED.name}, 75k snapshot)"
    )


if __name__ == "__main__":
    main()
