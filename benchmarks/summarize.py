"""Offline summaries and keywords over the 75k corpus: throughput and five random examples.

    .venv/bin/python benchmarks/summarize.py [--limit N] [--batch-size 512] [--seed 5]

Runs the product's `extract_many` (static all-MiniLM-L6-v2 token vectors, no transformer
pass, no download) on the title and abstract of every paper of
../shared/data/arxiv-cs-75k.snapshot.jsonl.gz, in memory (no database: `dailypapers index
summarize` adds the reads and writes). Prints papers/s, coverage (papers with a summary
and 3-8 keywords) and five examples picked at random.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import time
from collections import Counter
from pathlib import Path

from dailypapers.summarize.extract import MAX_KEYWORDS, MIN_KEYWORDS, extract_many
from dailypapers.summarize.static import StaticVectors

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv-cs-75k.snapshot.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="Papers to read (0 = all).")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    papers: list[tuple[str, str]] = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            papers.append((" ".join(record["title"].split()), record["abstract"] or ""))
            if args.limit and len(papers) >= args.limit:
                break
    started = time.perf_counter()
    vectors = StaticVectors()
    loaded = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    extracts = []
    for start in range(0, len(papers), args.batch_size):
        extracts += extract_many(vectors, papers[start : start + args.batch_size])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    counts = Counter(len(e.keywords) for e in extracts)
    covered = sum(
        1 for e in extracts if e.summary and MIN_KEYWORDS <= len(e.keywords) <= MAX_KEYWORDS
    )
    print(f"model table loaded in {loaded:.2f} s; load average {os.getloadavg()[0]:.1f}")
    print(
        f"{len(papers):,} papers in {elapsed:.1f} s: {len(papers) / elapsed:,.0f} papers/s "
        f"(one process, batches of {args.batch_size}); CPU time {cpu:.1f} s: "
        f"{len(papers) / cpu:,.0f} papers per CPU-second"
    )
    print(
        f"with a summary and {MIN_KEYWORDS}-{MAX_KEYWORDS} keywords: {covered:,} "
        f"({covered / len(papers):.2%}); keyword counts: {dict(sorted(counts.items()))}"
    )
    rng = random.Random(args.seed)
    for i in rng.sample(range(len(papers)), 5):
        print(f"\n[{i}] {papers[i][0]}")
        print(f"  summary:  {extracts[i].summary}")
        print(f"  keywords: {', '.join(extracts[i].keywords)}")


if __name__ == "__main__":
    main()
