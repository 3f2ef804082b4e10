"""Corpora for the search benchmark: the 75k real arXiv papers, and a synthetic 1M built from them.

Rows go straight in through SQLAlchemy Core (papers, authors, paper_authors, embeddings), so
the database triggers of migration 0002_search index them exactly as any writer would.

The synthetic corpus: paper j is a perturbed copy of real paper j % 74,728. Copy 0 is the
real paper. A later copy keeps the real title with two of its words swapped for words of
another paper's title, takes the real abstract with one sentence replaced by a sentence of
another paper, and gets the real vector plus Gaussian noise (sigma 0.03 per dimension,
cosine about 0.85 to its source), L2-normalized again. Its date is moved by a random number
of days. So the 1M corpus has the real vocabulary, real sentence statistics and clusters of
14 near neighbours, which is harder for an ANN index than uniform random vectors.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, insert, select

from dailypapers.db.engine import analyze
from dailypapers.papers.models import Author, Organization, Paper, PaperAuthor
from dailypapers.search.deferral import deferred_fulltext
from dailypapers.search.embedder import MODEL_NAME
from dailypapers.search.models import Embedding
from dailypapers.search.text import embedding_text, text_hash

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SNAPSHOT = SHARED / "arxiv-cs-75k.snapshot.jsonl.gz"
VECTORS = SHARED / "arxiv-cs-75k.minilm-l6-v2.f16.npy"
ORGANIZATIONS = ["nvidia", "google", "meta", "microsoft", "tsinghua", "stanford", "mit", "kaist"]
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(slots=True)
class RealPaper:
    arxiv_id: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    published_at: datetime


def read_snapshot(path: Path = SNAPSHOT, limit: int | None = None) -> list[RealPaper]:
    papers: list[RealPaper] = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            authors = [" ".join(p for p in (a[1], a[0]) if p) for a in d["authors_parsed"]]
            papers.append(
                RealPaper(
                    arxiv_id=d["id"],
                    title=" ".join(d["title"].split()),
                    abstract=" ".join(d["abstract"].split()),
                    authors=list(dict.fromkeys(a[:300] for a in authors if a))[:20],
                    categories=d["categories"].split(),
                    published_at=parsedate_to_datetime(d["versions"][0]["created"]).astimezone(UTC),
                )
            )
            if limit and len(papers) >= limit:
                break
    return papers


def real_vectors() -> np.ndarray:
    return np.load(VECTORS).astype(np.float32)


def synthetic(
    real: list[RealPaper], vectors: np.ndarray, total: int, seed: int = 7
) -> Iterator[tuple[RealPaper, np.ndarray]]:
    """`total` papers: the real ones first, then perturbed copies (see the module doc)."""
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    n = len(real)
    for j in range(total):
        base, copy = real[j % n], j // n
        if copy == 0:
            yield base, vectors[j % n]
            continue
        other = real[rng.randrange(n)]
        title_words, other_words = base.title.split(), other.title.split()
        for _ in range(2):
            title_words[rng.randrange(len(title_words))] = rng.choice(other_words)
        sentences = _SENTENCE.split(base.abstract)
        sentences[rng.randrange(len(sentences))] = rng.choice(_SENTENCE.split(other.abstract))
        vector = vectors[j % n] + noise.normal(0, 0.03, vectors.shape[1]).astype(np.float32)
        yield (
            RealPaper(
                arxiv_id=f"{base.arxiv_id}s{copy}",
                title=" ".join(title_words),
                abstract=" ".join(sentences),
                authors=base.authors,
                categories=base.categories,
                published_at=base.published_at + timedelta(days=rng.randrange(-200, 200)),
            ),
            vector / np.linalg.norm(vector),
        )


def load(
    engine: Engine,
    rows: Iterator[tuple[RealPaper, np.ndarray]],
    *,
    with_authors: bool = True,
    batch: int = 5000,
    seed: int = 3,
) -> int:
    """Insert papers (with upvotes, code links, organizations) and their embeddings."""
    rng = random.Random(seed)
    with engine.begin() as conn:
        conn.execute(
            insert(Organization),
            [{"name": o, "full_name": o.title(), "avatar_url": None} for o in ORGANIZATIONS],
        )
        org_ids = list(conn.scalars(select(Organization.id)))
    author_ids: dict[str, int] = {}
    next_id, count, started = 1, 0, time.time()
    pending: list[tuple[RealPaper, np.ndarray]] = []

    def flush() -> None:
        nonlocal next_id
        if not pending:
            return
        now = datetime.now(UTC)
        papers, links, embeddings, new_authors = [], [], [], []
        for paper, vector in pending:
            pid = next_id
            next_id += 1
            papers.append(_paper_row(pid, paper, rng, org_ids, now))
            embeddings.append(
                {
                    "paper_id": pid,
                    "model": MODEL_NAME,
                    "text_hash": text_hash(embedding_text(paper.title, paper.abstract)),
                    "dim": int(vector.shape[0]),
                    "vector": vector,
                    "created_at": now,
                }
            )
            if not with_authors:
                continue
            for position, name in enumerate(paper.authors):
                if name not in author_ids:
                    author_ids[name] = len(author_ids) + 1
                    new_authors.append({"id": author_ids[name], "name": name})
                links.append({"paper_id": pid, "position": position, "author_id": author_ids[name]})
        with engine.begin() as conn, deferred_fulltext(conn) as unindexed:
            # as `dailypapers import` does: full text indexed once per batch, not per row
            if new_authors:
                conn.execute(insert(Author), new_authors)
            conn.execute(insert(Paper), papers)
            if links:
                conn.execute(insert(PaperAuthor), links)
            conn.execute(insert(Embedding), embeddings)
            unindexed.created += [row["id"] for row in papers]
        pending.clear()

    for row in rows:
        pending.append(row)
        count += 1
        if len(pending) >= batch:
            flush()
            if count % 100_000 == 0:
                print(f"  loaded {count:,} papers in {time.time() - started:.0f} s", flush=True)
    flush()
    # as `dailypapers import` does: unanalyzed, the keyword index's read ran minutes at 75k
    analyze(engine, ("papers", "authors", "paper_authors", "embeddings", "paper_search"))
    return count


def _paper_row(
    pid: int, paper: RealPaper, rng: random.Random, org_ids: list[int], now: datetime
) -> dict[str, object]:
    return {
        "id": pid,
        "key": paper.arxiv_id,
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "abstract": paper.abstract,
        "published_at": paper.published_at,
        "categories": paper.categories,
        "primary_category": paper.categories[0] if paper.categories else None,
        "code_url": "https://github.com/example/x" if rng.random() < 0.3 else None,
        "base_upvotes": int(rng.paretovariate(1.5)) - 1,
        "organization_id": rng.choice(org_ids) if rng.random() < 0.2 else None,
        "hidden": False,
        "featured": False,
        "created_at": now,
        "modified_at": now,
    }
