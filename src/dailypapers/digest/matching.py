"""Which of a period's papers match a topic, best first.

Queries go through a `QueryMatcher`: a small BM25 keyword index over the period's papers
(titles count twice), built once per period so thousands of subscribers cost one index,
fused with semantic matches when the papers have embeddings (`semantic.py`).
Categories, organizations and authors match exactly (case-insensitively; an author topic
matches when all its words are words of the author's name) and rank by trending order.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dailypapers.digest.topics import Topic

QueryMatcher = Callable[[str, int], list[int]]  # (query, limit) -> paper ids, best first

_WORD = re.compile(r"[^\W_]+(?:[-.][^\W_]+)*")
# fmt: off
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is", "it",
    "its", "of", "on", "or", "that", "the", "this", "to", "via", "was", "were", "will", "with",
    "we", "our", "using", "based", "towards", "toward", "into", "over", "under", "new",
})
# fmt: on


@dataclass(frozen=True, slots=True)
class Candidate:
    """What matching needs of one paper of the period; `rank` is its trending position."""

    paper_id: int
    rank: int
    title: str
    abstract: str
    categories: tuple[str, ...]  # all casefolded
    organizations: tuple[str, ...]  # short and full name
    authors: tuple[str, ...]


def terms(text: str) -> list[str]:
    """Lower-cased words without stopwords; a plural 's' is dropped ('models' -> 'model')."""
    words = _WORD.findall(text.casefold())
    return [_stem(w) for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class KeywordIndex:
    """BM25 over a small set of papers, kept in memory."""

    K1 = 1.2
    B = 0.75

    def __init__(self, candidates: Sequence[Candidate]) -> None:
        self._ranks = [c.rank for c in candidates]
        self._ids = [c.paper_id for c in candidates]
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = []
        for doc, candidate in enumerate(candidates):
            words = terms(candidate.title) * 2 + terms(candidate.abstract)
            lengths.append(len(words))
            for term, count in Counter(words).items():
                self._postings[term].append((doc, count))
        self._lengths = lengths
        self._average = (sum(lengths) / len(lengths)) if lengths else 1.0

    def search(self, query: str, limit: int) -> list[int]:
        wanted = list(dict.fromkeys(terms(query)))
        if not wanted:
            return []
        scores: dict[int, float] = defaultdict(float)
        hits: Counter[int] = Counter()
        n = len(self._ids)
        for term in wanted:
            postings = self._postings.get(term, [])
            idf = math.log(1 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
            for doc, tf in postings:
                norm = self.K1 * (1 - self.B + self.B * self._lengths[doc] / self._average)
                scores[doc] += idf * tf * (self.K1 + 1) / (tf + norm)
                hits[doc] += 1
        needed = len(wanted) if len(wanted) <= 2 else math.ceil(len(wanted) * 2 / 3)
        found = [doc for doc, count in hits.items() if count >= needed]
        found.sort(key=lambda doc: (-scores[doc], self._ranks[doc]))
        return [self._ids[doc] for doc in found[:limit]]


class TopicMatcher:
    """Matches topics against one period's papers; remembers each topic's answer."""

    def __init__(self, candidates: Sequence[Candidate], query_matcher: QueryMatcher) -> None:
        self._by_rank = sorted(candidates, key=lambda c: c.rank)
        self._query = query_matcher
        self._cache: dict[tuple[str, str, int], list[int]] = {}

    def match(self, topic: Topic, limit: int) -> list[int]:
        key = (topic.field, topic.value.casefold(), limit)
        if key not in self._cache:
            self._cache[key] = self._match(topic, limit)
        return self._cache[key]

    def _match(self, topic: Topic, limit: int) -> list[int]:
        if topic.field == "queries":
            return self._query(topic.value, limit)
        matches = _STRUCTURED[topic.field]
        wanted = topic.value.casefold()
        return [c.paper_id for c in self._by_rank if matches(c, wanted)][:limit]


def _in_category(candidate: Candidate, wanted: str) -> bool:
    return wanted in candidate.categories


def _from_organization(candidate: Candidate, wanted: str) -> bool:
    return wanted in candidate.organizations


def _by_author(candidate: Candidate, wanted: str) -> bool:
    words = set(wanted.split())
    return any(words <= set(name.split()) for name in candidate.authors)


_STRUCTURED: dict[str, Callable[[Candidate, str], bool]] = {
    "categories": _in_category,
    "organizations": _from_organization,
    "authors": _by_author,
}
