"""Tune hybrid search's fusion on three collections: CACM, Cranfield and the 75k set.

    .venv/bin/python benchmarks/tune_fusion.py [--workdir /tmp/dailypapers-bench]
        [--site sqlite:///.../site.db] [--embedder onnx-int8] [--refresh] [--top 2]

Step 1, once per collection (kept in WORKDIR/fusion-lists/NAME.json; --refresh searches
again): every judged query runs once in keyword and once in semantic mode through
`search_papers`, 100 deep, and both lists are saved with their raw scores (BM25, cosine),
whether each keyword hit holds every query term, and the exact cosine of the keyword hits
the semantic list lacks. CACM and Cranfield are loaded and embedded in temporary databases;
the 75k set (`benchmarks/search_quality.py`: 400 abstract sentences without the title's
words) runs on the 75k SQLite database of `benchmarks/search.py`, loaded with the
precomputed vectors (or reused) in WORKDIR, and with --site also on a site built by
`import snapshot` + `index import-vectors` (whose import strips LaTeX from the text, which
the set's queries keep). On each 75k database, 1,000 other queries built the same way
(seed 14; NAME-check) check the choice and take no part in it.

Step 2, offline on the saved lists: a grid of fusion functions. Reciprocal rank fusion (k,
keyword weight); convex combinations (1 - alpha) * keyword + alpha * semantic of scores
normalized per list (Bruch et al. 2022, "An Analysis of Fusion Functions for Hybrid
Retrieval"): over the top score with 0 as the floor ("max"), min-max over the list, cosine
with -1 as its floor ("cos1") or raw cosine; a paper missing from a list scores 0 there,
the list's last score, or (semantic only) its exact cosine. And what holding every query
term counts: nothing, a cap on keyword scores by those above, a bonus of 0.3, or first
place (as keyword search ranks). The goal: hybrid nDCG@10 above both single modes on every
collection and not below the README's CACM 0.4983 and Cranfield 0.4168. On the 75k set no
fusion of these lists can beat keyword (the lines "semantic list holds a relevant paper on
0" say why), so settings that at least tie keyword there come first; then they rank by
their smallest lead over the better single mode (or README figure), taken as the worst of
the setting and its alpha +- 0.05 neighbours; then by their own. Prints the best settings'
tables (checks included), the best of each family, then the former and current default's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import load_average
from search_corpus import SHARED, read_snapshot, real_vectors
from search_quality import relevance_set

from dailypapers.db.engine import make_engine, unit_of_work
from dailypapers.papers.models import Paper
from dailypapers.search.beir import (
    Collection,
    RankedLists,
    collection_database,
    ndcg_at,
    ranked_lists,
    read_collection,
)
from dailypapers.search.embedder import MODEL_NAME, Embedder, load_embedder
from dailypapers.search.fusion import Fusion, fuse, reciprocal_rank_fusion
from dailypapers.search.indexing import run_embed_backlog
from dailypapers.search.models import Embedding
from search import HELD_OUT, prepare

NAMES = ("arxiv-75k", "cacm", "cranfield")  # the settings are chosen on these
DEPTH = 100  # each list's length
SITE = "arxiv-75k-site"  # the 75k set on a site built by `import snapshot` (--site)
CHECK_QUERIES = 1000  # other queries of the 75k kind, in NAME-check: they check the choice
README_FLOOR = {"cacm": 0.4983, "cranfield": 0.4168}  # hybrid in README's table
Lists = dict[str, dict[str, float]]  # query id -> {doc id: raw score}, best first


@dataclass(slots=True)
class Saved:
    qrels: dict[str, dict[str, int]]
    keyword: Lists
    semantic: Lists
    every: dict[str, set[str]]  # query id -> keyword hits holding every query term
    cosine: Lists  # query id -> {keyword hit missing from the semantic list: its cosine}

    def query(self, qid: str) -> Query:
        return Query(self.keyword[qid], self.semantic[qid], self.every[qid], self.cosine[qid])


@dataclass(frozen=True, slots=True)
class Query:
    """One query's lists, what a fusion function reads."""

    keyword: dict[str, float]
    semantic: dict[str, float]
    every: set[str]
    cosine: dict[str, float]


# ------------------------------------------------------------------ step 1: the lists


def beir_lists(name: str, embedder: Embedder) -> Saved:
    collection = read_collection(SHARED / "relevance" / name)
    started = time.time()
    with collection_database(collection) as engine:
        run_embed_backlog(engine, embedder=embedder)
        lists = ranked_lists(engine, collection, embedder=lambda: embedder)
        cosine = completions(engine, collection.queries, lists, embedder)
    print(f"{name}: {len(collection.corpus)} docs embedded and searched in {_since(started)}")
    qrels = {q: j for q, j in collection.qrels.items() if q in lists.keyword}
    return Saved(qrels, lists.keyword, lists.semantic, lists.every, cosine)


def arxiv_lists(workdir: Path, embedder: Embedder, *, site: str | None, check: bool) -> Saved:
    """The 75k set on benchmarks/search.py's SQLite database (loaded once, then reused), or
    on `site`, a database built by `import snapshot` and `index import-vectors` (whose
    import cleans the text: LaTeX commands go). `check`: instead, 1,000 other queries built
    the same way (seed 14, none on a paper of the set), to check a choice made on the set."""
    snapshot = read_snapshot()
    corpus = snapshot[:-HELD_OUT]
    if site:
        engine = make_engine(site)
    else:
        engine = make_engine(f"sqlite:///{workdir / 'bench_75k.db'}")
        vectors = real_vectors()[:-HELD_OUT]
        prepare(engine, corpus, vectors, len(corpus), workdir / "bench_75k.exact.npy")
    pairs = relevance_set(corpus)
    if check:
        tuned = {arxiv_id for _, arxiv_id in pairs}
        pairs = [p for p in relevance_set(corpus, CHECK_QUERIES + 20, 14) if p[1] not in tuned]
        pairs = pairs[:CHECK_QUERIES]
    queries = {f"q{n}": q for n, (q, _) in enumerate(pairs)}
    qrels = {f"q{n}": {a: 1} for n, (_, a) in enumerate(pairs)}
    started = time.time()
    lists = ranked_lists(engine, Collection([], queries, qrels), embedder=lambda: embedder)
    cosine = completions(engine, queries, lists, embedder)
    engine.dispose()
    print(f"75k: {len(pairs)} queries searched in {_since(started)} ({load_average()})")
    return Saved(qrels, lists.keyword, lists.semantic, lists.every, cosine)


def completions(
    engine: Engine, queries: dict[str, str], lists: RankedLists, embedder: Embedder
) -> Lists:
    """The exact cosine of each keyword hit missing from the semantic list, for the grid's
    "exact" variants (search_papers does not compute them: they did not help)."""
    cosine: Lists = {}
    with unit_of_work(engine) as session:
        keys: dict[int, str] = dict(session.execute(select(Paper.id, Paper.key)).all())  # type: ignore[arg-type]
        ids = {key.removeprefix("beir:"): pid for pid, key in keys.items()}
        for qid, keyword in lists.keyword.items():
            unlisted = [ids[d] for d in keyword if d not in lists.semantic[qid]]
            rows = session.execute(
                select(Embedding.paper_id, Embedding.vector).where(
                    Embedding.model == MODEL_NAME, Embedding.paper_id.in_(unlisted)
                )
            ).all()
            vector = embedder.embed_query(queries[qid]) if rows else None
            cosine[qid] = {
                keys[pid].removeprefix("beir:"): float(np.dot(stored, vector))
                for pid, stored in rows
            }
    return cosine


def saved_lists(
    workdir: Path, names: Sequence[str], embedder_kind: str, refresh: bool, site: str | None
) -> dict[str, Saved]:
    """Each collection's lists, searched once and kept in WORKDIR/fusion-lists/NAME.json."""
    folder = workdir / "fusion-lists"
    folder.mkdir(exist_ok=True)
    embedder: Embedder | None = None
    saved = {}
    for name in names:
        cache = folder / f"{name}.json"
        if cache.exists() and not refresh:
            raw = json.loads(cache.read_text())
            print(f"{name}: lists of {raw['saved']} ({raw['embedder']} embedder), from {cache}")
            saved[name] = _decoded(raw)
            continue
        embedder = embedder or load_embedder(embedder_kind, workdir / "models")
        if name.startswith("arxiv-75k"):
            url = site if name.startswith(SITE) else None
            check = name.endswith("-check")
            saved[name] = arxiv_lists(workdir, embedder, site=url, check=check)
        else:
            saved[name] = beir_lists(name, embedder)
        raw = {"saved": time.strftime("%Y-%m-%d %H:%M"), "embedder": embedder_kind}
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(raw | _encoded(saved[name])))
        os.replace(tmp, cache)
    return saved


def _encoded(saved: Saved) -> dict[str, object]:
    """Lists as [id, score] pairs ([id, score, holds every term] for keyword), in order."""
    return {
        "qrels": saved.qrels,
        "keyword": {
            q: [[d, s, d in saved.every[q]] for d, s in found.items()]
            for q, found in saved.keyword.items()
        },
        "semantic": {q: [[d, s] for d, s in found.items()] for q, found in saved.semantic.items()},
        "cosine": saved.cosine,
    }


def _decoded(raw: dict[str, Any]) -> Saved:
    keyword, semantic = raw["keyword"], raw["semantic"]
    return Saved(
        raw["qrels"],
        {q: {str(h[0]): float(h[1]) for h in found} for q, found in keyword.items()},
        {q: {str(h[0]): float(h[1]) for h in found} for q, found in semantic.items()},
        {q: {str(h[0]) for h in found if h[2]} for q, found in keyword.items()},
        raw["cosine"],
    )


def _since(started: float) -> str:
    return f"{time.time() - started:.0f} s"


# ------------------------------------------------------------------ step 2: the grid

Fuser = Callable[[Query], list[str]]  # the fused ranking


def metrics(saved: Saved, run: Callable[[str], list[str]]) -> tuple[float, float]:
    """Mean nDCG@10 and MRR@10 over the judged queries."""
    n_sum = r_sum = 0.0
    for qid, judged in saved.qrels.items():
        ranked = run(qid)
        n_sum += ndcg_at(ranked, judged)
        r_sum += next((1 / (i + 1) for i, d in enumerate(ranked[:10]) if judged.get(d, 0) > 0), 0.0)
    return n_sum / len(saved.qrels), r_sum / len(saved.qrels)


Table = dict[str, dict[str, tuple[float, float]]]  # collection -> mode -> (nDCG@10, MRR@10)


def singles(saved: dict[str, Saved]) -> Table:
    return {
        name: {
            "keyword": metrics(s, lambda q, s=s: list(s.keyword[q])),  # type: ignore[misc]
            "semantic": metrics(s, lambda q, s=s: list(s.semantic[q])),  # type: ignore[misc]
        }
        for name, s in saved.items()
    }


def with_hybrid(saved: dict[str, Saved], base: Table, fuser: Fuser) -> Table:
    return {
        name: {
            **base[name],
            "hybrid": metrics(
                s,
                lambda q, s=s: fuser(s.query(q)),  # type: ignore[misc]
            ),
        }
        for name, s in saved.items()
    }


def leads(table: Table) -> list[float]:
    """Hybrid's lead over the better single mode (and the README's figure) per collection."""
    return [
        m["hybrid"][0] - max(m["keyword"][0], m["semantic"][0], README_FLOOR.get(name, 0.0))
        for name, m in table.items()
        if not name.endswith("-check")
    ]


def rank_key(table: Table) -> tuple[float, float]:
    """The smallest lead (above 0 on every collection: the goal), the sum of the leads."""
    found = leads(table)
    return min(found), sum(found)


RankKey = tuple[bool, float, float, float]


def ranking(tables: dict[tuple[str, str], Table]) -> list[tuple[RankKey, str, str]]:
    """Settings best first: those at least tying keyword on the 75k sets (above it is out
    of reach, see `headroom`); then by their smallest lead taken as the worst of the
    setting and its alpha +- 0.05 neighbours (a lone peak is luck, not a setting); then by
    their own smallest lead and the sum of their leads."""
    ranked = []
    for (family, setting), table in tables.items():
        ties = all(
            m["hybrid"][0] >= m["keyword"][0] - 1e-12
            for name, m in table.items()
            if name.startswith("arxiv-75k") and not name.endswith("-check")
        )
        near = [tables[n] for n in _neighbours(family, setting) if n in tables]
        robust = min(rank_key(t)[0] for t in (table, *near))
        ranked.append(((ties, robust, *rank_key(table)), family, setting))
    return sorted(ranked, key=lambda r: tuple(-x for x in r[0]))


def _neighbours(family: str, setting: str) -> list[tuple[str, str]]:
    if not setting.startswith("alpha="):
        return []
    alpha, rest = setting.split(" ", 1)
    value = float(alpha.removeprefix("alpha="))
    return [(family, f"alpha={round(value + d, 2)} {rest}") for d in (-0.05, 0.05)]


def headroom(name: str, saved: Saved) -> str:
    """Where fusion can gain: queries keyword ranks imperfectly (nDCG@10 below 1) whose
    relevant papers the semantic list holds. A fusion that is monotone in both scores never
    lifts a paper the semantic list lacks above one keyword ranks higher: without such
    queries, hybrid can at best tie keyword."""
    imperfect = helped = 0
    for qid, judged in saved.qrels.items():
        if ndcg_at(list(saved.keyword[qid]), judged) < 1:
            imperfect += 1
            helped += any(judged.get(d, 0) > 0 for d in saved.semantic[qid])
    return (
        f"{name}: keyword's nDCG@10 is below 1 on {imperfect} of {len(saved.qrels)} queries; "
        f"the semantic list holds a relevant paper on {helped} of them"
    )


def _normalized(scores: Mapping[str, float], how: str) -> dict[str, float]:
    """A list's scores mapped so that its best is 1: "max" divides by the top score with 0
    as the floor (BM25 and ts_rank are never below 0; a negative cosine counts as 0);
    "minmax" maps the list's lowest to 0; "cos1" maps -1 (cosine's floor) to 0; "raw" keeps
    the scores (cosine) as they are."""
    if not scores:
        return {}
    top, low = max(scores.values()), min(scores.values())
    if how == "max":
        return {d: max(s, 0.0) / top if top > 0 else 0.0 for d, s in scores.items()}
    if how == "minmax":
        span = top - low
        return {d: (s - low) / span if span > 0 else 1.0 for d, s in scores.items()}
    if how == "cos1":
        return {d: (s + 1) / (top + 1) for d, s in scores.items()}
    if how == "raw":
        return dict(scores)
    raise ValueError(how)


def convex(alpha: float, kw_how: str, sem_how: str, missing: str, tier: str) -> Fuser:
    """(1 - alpha) * keyword + alpha * semantic, each normalized. A paper missing from a list
    scores 0 there ("0"); that list's last score when the list was cut at its depth ("last":
    a bound of its own score; 0 when the list holds every match); or, missing from the
    semantic list only, its last ("sem last") or the paper's exact cosine ("exact"). `tier`:
    what holding every term counts: nothing ("-"), the keyword list's order (scores capped
    by those above: "cap"), a bonus ("+0.3") or first place ("first": those papers rank
    before the others)."""
    bonus = float(tier) if tier[0] == "+" else 0.0

    def run(q: Query) -> list[str]:
        keyword, semantic = q.keyword, q.semantic
        if tier == "cap":
            capped, ceiling = {}, float("inf")
            for d, s in keyword.items():
                ceiling = min(ceiling, s)
                capped[d] = ceiling
            keyword = capped
        if missing == "exact":
            semantic = {**semantic, **{d: c for d, c in q.cosine.items() if d not in semantic}}
        kw, sem = _normalized(keyword, kw_how), _normalized(semantic, sem_how)
        full_kw, full_sem = len(kw) >= DEPTH, len(sem) >= DEPTH  # cut at the depth
        kw_missing = min(kw.values()) if missing == "last" and full_kw else 0.0
        sem_missing = min(sem.values()) if missing in ("last", "sem last") and full_sem else 0.0
        fused = {
            d: (1 - alpha) * kw.get(d, kw_missing)
            + alpha * sem.get(d, sem_missing)
            + (bonus if d in q.every else 0.0)
            for d in (*q.keyword, *q.semantic)
        }
        if tier == "first":
            return sorted(fused, key=lambda d: (d not in q.every, -fused[d]))
        return sorted(fused, key=lambda d: -fused[d])

    return run


def rrf(k: float, kw: float, first: bool) -> Fuser:
    def run(q: Query) -> list[str]:
        fused = reciprocal_rank_fusion([(list(q.keyword), kw), (list(q.semantic), 1.0)], k=k)
        if first:
            return sorted(fused, key=lambda d: (d not in q.every, -fused[d]))
        return list(fused)

    return run


def grid() -> Iterator[tuple[str, str, Fuser]]:
    """(family, setting, fuser) for every point of the grid."""
    for first, k, kw in itertools.product(
        (False, True), (1, 2, 5, 10, 20, 40, 60, 100), (0.5, 0.75, 1, 1.25, 1.5, 2, 3, 5)
    ):
        yield f"rrf{' every first' * first}", f"k={k} kw={kw} sem=1", rrf(k, kw, first)
    alphas = [round(a * 0.05, 2) for a in range(1, 20)]
    for kw_how, sem_how, tier in itertools.product(
        ("max", "minmax"), ("max", "minmax", "cos1", "raw"), ("first", "+0.3", "cap", "-")
    ):
        family = f"convex kw={kw_how} sem={sem_how} every={tier}"
        for alpha, missing in itertools.product(alphas, ("0", "last", "sem last", "exact")):
            yield (
                family,
                f"alpha={alpha} missing={missing}",
                convex(alpha, kw_how, sem_how, missing, tier),
            )


def print_table(title: str, table: Table) -> None:
    smallest, total = rank_key(table)
    print(f"\n{title}  (smallest lead {smallest:+.4f}, sum {total:+.4f})")
    print("| collection | keyword nDCG@10 | semantic | hybrid | hybrid MRR@10 | keyword MRR@10 |")
    print("|---|---|---|---|---|---|")
    for name, m in table.items():
        print(
            f"| {name} | {m['keyword'][0]:.4f} | {m['semantic'][0]:.4f} | {m['hybrid'][0]:.4f} "
            f"| {m['hybrid'][1]:.4f} | {m['keyword'][1]:.4f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/dailypapers-bench"))
    parser.add_argument("--embedder", default="onnx-int8")
    parser.add_argument("--refresh", action="store_true", help="Search the queries again.")
    parser.add_argument("--top", type=int, default=3, help="Settings shown per family.")
    parser.add_argument(
        "--site", help=f"Also choose on the 75k set on this database ({SITE}), e.g. the site "
        "of README's 75k figures (`import snapshot` + `index import-vectors`).",
    )  # fmt: skip
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    names = (*NAMES, SITE) if args.site else NAMES
    checks = tuple(f"{n}-check" for n in names if n.startswith("arxiv-75k"))
    everything = saved_lists(
        args.workdir, (*names, *checks), args.embedder, args.refresh, args.site
    )
    for name, lists in everything.items():
        print(headroom(name, lists))
    saved = {n: everything[n] for n in names}
    base, base_all = singles(saved), singles(everything)
    started, tables, fusers = time.time(), {}, {}
    for family, setting, fuser in grid():
        tables[family, setting] = with_hybrid(saved, base, fuser)
        fusers[family, setting] = fuser
    print(f"{len(tables)} settings scored in {_since(started)}")
    ranked = ranking(tables)
    families: dict[str, list[tuple[RankKey, str, str]]] = {}
    for row in ranked:
        families.setdefault(row[1], []).append(row)
    print(
        f"\nfamily: best (ties keyword on the 75k sets; smallest lead over the setting and "
        f"its alpha neighbours; its own; sum of leads) and settings above both modes on {names}"
        " and the README's figures"
    )
    for family, rows in families.items():
        (ties, robust, smallest, total), wins = rows[0][0], sum(1 for r in rows if r[0][2] > 0)
        print(
            f"  {family:<40} {'ties' if ties else 'below'} {robust:+.4f} {smallest:+.4f} "
            f"{total:+.4f}  {wins} of {len(rows)}"
        )
    print(f"\n{', '.join(checks)}: {CHECK_QUERIES} other 75k queries each, not used to choose")
    print(f"\nthe best {args.top * 3} settings:")
    for _, family, setting in ranked[: args.top * 3]:
        table = with_hybrid(everything, base_all, fusers[family, setting])
        print_table(f"{family}: {setting}", table)
    print(f"\nthe best {args.top} of each family:")
    for family, rows in families.items():
        for _, _, setting in rows[: args.top]:
            table = with_hybrid(everything, base_all, fusers[family, setting])
            print_table(f"{family}: {setting}", table)
    before = Fusion(method="rrf", every_first=False)  # the default until 2026-11-30
    for title, fusion in (("the former default", before), ("the default", Fusion())):
        table = with_hybrid(everything, base_all, lambda q, f=fusion: site_fusion(q, f))  # type: ignore[misc]
        print_table(f"{title}: {fusion}", table)


def site_fusion(q: Query, fusion: Fusion) -> list[str]:
    """What search_papers does with these lists."""
    return list(fuse(q.keyword, q.semantic, fusion, every=q.every))


if __name__ == "__main__":
    main()
