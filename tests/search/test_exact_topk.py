"""Keyword search's top 10 on 25,000 papers equals BM25 computed by hand over every paper.

Above 20,000 papers the old FTS5 path, and PostgreSQL's `ts_rank` still, scored only a budget
of matches; tantivy prunes with Block-Max WAND, which must lose nothing. On both backends:
PostgreSQL's index is the node's (DATA_DIR/keywords/), replayed from its own change log. The
reference here is independent of tantivy: the BM25 formula (k1 = 1.2, b = 0.75, title
boosted) evaluated on every paper in numpy. Texts are short (field lengths under 40 words
are stored exactly) and made of words the English stemmer leaves alone, so both sides see
the same terms and lengths.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest
import snowballstemmer
from sqlalchemy import Engine, insert, select

from dailypapers.db.engine import unit_of_work
from dailypapers.papers.models import Paper
from dailypapers.search.backends import backend_for
from dailypapers.search.keyword_query import TITLE_BOOST
from dailypapers.search.text import parse_query

PAPERS = 25_000
K1, B = 1.2, 0.75


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    stem = snowballstemmer.stemmer("english").stemWord
    words: set[str] = set()
    while len(words) < size:
        word = "".join(rng.choice("bdfgklmnprtvz") + rng.choice("aiou") for _ in range(3)) + "k"
        if stem(word) == word:
            words.add(word)
    return sorted(words)


def _text(rng: random.Random, vocab: list[str], cumulative: list[float], n: int) -> list[str]:
    """`n` words drawn by weight (cumulative: the same draws as `weights=`, without summing
    3,000 weights for each of 50,000 texts)."""
    return [vocab[i] for i in rng.choices(range(len(vocab)), cum_weights=cumulative, k=n)]


class Field:
    """One field's postings and lengths over every paper, for BM25 by hand."""

    def __init__(self, docs: list[list[str]], boost: float) -> None:
        self.postings: dict[str, dict[int, int]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                self.postings.setdefault(term, {})[i] = tf
        self.lengths = np.array([len(d) for d in docs], dtype=np.float64)
        self.boost = boost

    def score(self, term: str) -> np.ndarray:
        n, found = len(self.lengths), self.postings.get(term, {})
        tf = np.zeros(n)
        tf[list(found)] = list(found.values())
        if not found:
            return tf
        idf = np.log(1 + (n - len(found) + 0.5) / (len(found) + 0.5))
        norm = K1 * (1 - B + B * self.lengths / self.lengths.mean())
        return self.boost * idf * (1 + K1) * tf / (tf + norm)


def _reference(fields: list[Field], terms: tuple[str, ...], ids: np.ndarray) -> list[int]:
    """Papers holding every term first, then any; each group by BM25; the top 10 scores."""
    per_term = [sum(f.score(t) for f in fields) for t in terms]
    total = np.sum(per_term, axis=0)
    every = np.all([s > 0 for s in per_term], axis=0)
    rank = np.where(every, total + 1e6, np.where(total > 0, total, -1.0))
    best = np.argsort(-rank, kind="stable")[:10]
    return [int(ids[i]) for i in best if rank[i] > 0]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_top10_equals_exact_bm25_on_25000_papers(engine: Engine) -> None:
    rng = random.Random(13)
    vocab = _vocabulary(rng, 3000)
    weights = 1 / np.arange(1, len(vocab) + 1) ** 0.9  # Zipf-like: some words in most papers
    cumulative = list(itertools.accumulate(weights.tolist()))
    titles = [_text(rng, vocab, cumulative, rng.randint(4, 12)) for _ in range(PAPERS)]
    abstracts = [_text(rng, vocab, cumulative, rng.randint(15, 35)) for _ in range(PAPERS)]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {"key": f"gen-{i}", "title": " ".join(t), "abstract": " ".join(a), "categories": [],
         "base_upvotes": 0, "hidden": False, "featured": False, "created_at": now,
         "modified_at": now}
        for i, (t, a) in enumerate(zip(titles, abstracts, strict=True))
    ]  # fmt: skip
    with unit_of_work(engine) as session:
        session.execute(insert(Paper), rows)
        fulltext = backend_for(session).fulltext
    fulltext.sync(engine)
    with unit_of_work(engine) as session:
        by_key = dict(session.execute(select(Paper.key, Paper.id)).all())
    ids = np.array([by_key[f"gen-{i}"] for i in range(PAPERS)])
    fields = [Field(titles, TITLE_BOOST), Field(abstracts, 1.0)]
    queries = [" ".join(_text(rng, vocab, cumulative, n)) for n in (1, 2, 3, 5, 8, 12, 20) * 6]
    with unit_of_work(engine) as session:
        assert fulltext.keyword.ready_for(session) is not None  # type: ignore[attr-defined]
        for query in queries:
            parsed = parse_query(query)
            found = fulltext.search(session, query=parsed, limit=10)
            expected = _reference(fields, parsed.terms, ids)
            assert len(found) == len(expected), query
            assert _scores(fields, parsed.terms, ids, found) == pytest.approx(
                _scores(fields, parsed.terms, ids, expected), rel=1e-4
            ), query


def _scores(
    fields: list[Field], terms: tuple[str, ...], ids: np.ndarray, found: list[int]
) -> list[float]:
    """Reference scores of these papers, rank by rank (ties may come in either order)."""
    position = {int(pid): i for i, pid in enumerate(ids)}
    total = np.sum([sum(f.score(t) for f in fields) for t in terms], axis=0)
    return [float(total[position[pid]]) for pid in found]
