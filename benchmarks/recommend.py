"""For-you offline: simulated readers from the 75k corpus, hit-rate@20 against baselines.

    .venv/bin/python benchmarks/recommend.py [--readers 400] [--min-papers 8] [--seed 7]

A reader is one frequent author of ../shared/data/arxiv-cs-75k.snapshot.jsonl.gz: their
papers are what they "upvoted". Each reader's latest papers (the last quarter, at least
one) are held out; the rest (at least 3) form the profile, each weighted by its age at
the held-out day, as if upvoted on its listing day. For every held-out paper the
candidates are all papers listed on its day (versions[0].created is the listing day), the
reader's profile papers excluded. A hit is the held-out paper ranked in the top 20 of its
day. Vectors are the precomputed all-MiniLM-L6-v2 embeddings shipped beside the corpus
(same order); the scoring is the product's own `score_candidates`.

Baselines. The corpus has no votes, so "popularity" is a stand-in and is said so:
- popularity (authors): more authors first, a proxy for large, well-promoted projects;
- popularity (category): papers of the day's most common primary categories first;
- random: the expected hit-rate of a random order, 20 / day size (capped at 1).
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections import Counter, defaultdict
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import numpy as np

from dailypapers.recommend.scoring import ScoringParams, decay_weights, score_candidates

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CORPUS = DATA / "arxiv-cs-75k.snapshot.jsonl.gz"
VECTORS = DATA / "arxiv-cs-75k.minilm-l6-v2.f16.npy"
K = 20


def _day(created: str) -> date:
    try:
        return parsedate_to_datetime(created).date()
    except (TypeError, ValueError):
        return datetime.fromisoformat(created).date()


def load() -> tuple[list[date], list[list[str]], list[str], list[int]]:
    days, authors, category, counts = [], [], [], []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            days.append(_day(rec["versions"][0]["created"]))
            names = [" ".join(p for p in (a[1], a[0]) if p).strip() for a in rec["authors_parsed"]]
            authors.append(names)
            category.append((rec["categories"] or "").split(" ")[0])
            counts.append(len(names))
    return days, authors, category, counts


def rank_of(target: int, scores: np.ndarray, ids: np.ndarray, rng: np.random.Generator) -> int:
    """0-based rank of `target` among `ids` by `scores`, ties broken at random."""
    noise = rng.random(len(ids)) * 1e-9
    order = np.argsort(-(scores + noise), kind="stable")
    return int(np.nonzero(ids[order] == target)[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readers", type=int, default=400)
    parser.add_argument("--min-papers", type=int, default=8)
    parser.add_argument("--negatives", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    started = time.perf_counter()
    days, authors, primary, n_authors = load()
    vectors = np.load(VECTORS).astype(np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    assert len(vectors) == len(days), (len(vectors), len(days))
    print(f"loaded {len(days):,} papers in {time.perf_counter() - started:.1f} s")

    by_day: dict[date, list[int]] = defaultdict(list)
    for i, d in enumerate(days):
        by_day[d].append(i)
    by_author: dict[str, list[int]] = defaultdict(list)
    for i, names in enumerate(authors):
        for name in set(names):
            by_author[name].append(i)
    frequent = sorted(n for n, ps in by_author.items() if len(ps) >= args.min_papers)
    picked = rng.choice(len(frequent), size=min(args.readers, len(frequent)), replace=False)
    readers = [frequent[i] for i in sorted(picked)]
    day_ordinal = np.array([d.toordinal() for d in days])
    n_authors_arr = np.array(n_authors, dtype=np.float64)

    variants = {
        "For you (product default)": ScoringParams(),
        "  neighbours only": ScoringParams(classifier_weight=0.0),
        "  classifier only": ScoringParams(classifier_weight=1.0),
        "  no time decay": ScoringParams(half_life_days=0.0),
        "  half-life 90 days": ScoringParams(half_life_days=90.0),
    }
    hits: dict[str, list[int]] = defaultdict(list)
    random_expected: list[float] = []
    day_sizes: list[int] = []
    profile_sizes: list[int] = []
    scoring_time = 0.0
    for name in readers:
        papers = sorted(by_author[name], key=lambda i: (days[i], i))
        held = max(1, len(papers) // 4)
        last_train_day = days[papers[-held - 1]]
        train = [i for i in papers if days[i] <= last_train_day]
        test = [i for i in papers if days[i] > last_train_day]
        if len(train) < 3 or not test:
            continue
        profile_sizes.append(len(train))
        profile = vectors[train]
        cutoff = last_train_day.toordinal()
        pool = np.nonzero(day_ordinal <= cutoff)[0]
        negatives = vectors[rng.choice(pool, size=min(args.negatives, len(pool)), replace=False)]
        mine = set(papers)
        for target in test:
            cand = np.array([i for i in by_day[days[target]] if i not in mine or i == target])
            day_sizes.append(len(cand))
            random_expected.append(min(1.0, K / len(cand)))
            ages = days[target].toordinal() - day_ordinal[train]
            t0 = time.perf_counter()
            for label, params in variants.items():
                weights = decay_weights(ages, params.half_life_days)
                scored = score_candidates(
                    profile, weights, vectors[cand], negatives=negatives, params=params
                )
                hits[label].append(rank_of(target, scored.scores, cand, rng) < K)
            scoring_time += time.perf_counter() - t0
            hits["popularity (authors)"].append(rank_of(target, n_authors_arr[cand], cand, rng) < K)
            freq = Counter(primary[i] for i in cand)
            cat_scores = np.array([freq[primary[i]] for i in cand], dtype=np.float64)
            hits["popularity (category)"].append(rank_of(target, cat_scores, cand, rng) < K)

    n = len(random_expected)
    print(
        f"readers: {len(profile_sizes)} authors with >= {args.min_papers} papers "
        f"(profile median {int(np.median(profile_sizes))} papers); held-out papers: {n}; "
        f"candidates per day: median {int(np.median(day_sizes))}, "
        f"min {min(day_sizes)}, max {max(day_sizes)}"
    )
    print()
    print(f"| method | hit-rate@{K} | x popularity (authors) |")
    print("|---|---:|---:|")
    popularity = float(np.mean(hits["popularity (authors)"]))
    rows = [(label, float(np.mean(v))) for label, v in hits.items()]
    rows.append(("random (expected)", float(np.mean(random_expected))))
    for label, rate in rows:
        ratio = rate / popularity if popularity else float("inf")
        print(f"| {label} | {rate:.3f} | {ratio:.1f}x |")
    print()
    per = scoring_time / max(n * len(variants), 1) * 1000
    print(f"scoring: {per:.2f} ms per reader-day ({len(variants)} variants timed together)")
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
