"""Keywords and one-line summaries of 50 demo papers, old beside new, to judge by hand.

    PYTHONPATH=src .venv/bin/python benchmarks/keywords.py [--limit 50]
    PYTHONPATH=src .venv/bin/python benchmarks/keywords.py --write-baseline

"Old" is `benchmarks/keywords_baseline.json`: what `extract_many` gave for the same papers
before keywords became noun phrases (commit 49b37ea, written with `--write-baseline` on that
code). "New" is the product's `extract_many` now. For each paper: the title, the abstract's
first sentence (cards show the abstract under the summary), the summary old and new, and the
keywords old and new. The judgement (are all keywords sensible noun phrases?) is a reader's.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dailypapers.ingest.demo import demo_records
from dailypapers.summarize.extract import extract_many, sentences
from dailypapers.summarize.static import StaticVectors

BASELINE = Path(__file__).with_name("keywords_baseline.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--write-baseline", action="store_true")
    args = parser.parse_args()
    papers = [(r.title, r.abstract) for r in demo_records()[: args.limit]]
    extracts = extract_many(StaticVectors(), papers)
    new = [{"summary": e.summary, "keywords": e.keywords} for e in extracts]
    if args.write_baseline:
        BASELINE.write_text(json.dumps(new, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote {len(new)} papers to {BASELINE}")
        return
    old = json.loads(BASELINE.read_text())
    first_repeated = {"old": 0, "new": 0}
    for i, ((title, abstract), o, n) in enumerate(zip(papers, old, new, strict=False), 1):
        first = (sentences(abstract) or [""])[0]
        first_repeated["old"] += o["summary"] == first
        first_repeated["new"] += n["summary"] == first
        print(f"\n[{i}] {title}")
        print(f"  first sentence: {first}")
        print(f"  summary old:    {o['summary']}")
        print(f"  summary new:    {n['summary'] or '(none: keywords only)'}")
        print(f"  keywords old:   {' | '.join(o['keywords'])}")
        print(f"  keywords new:   {' | '.join(n['keywords'])}")
    print(f"\nsummary is the abstract's first sentence: {first_repeated}")


if __name__ == "__main__":
    main()
