"""One-sentence extractive summaries and 3-8 keywords, from static token vectors.

Summary: the abstract sentence whose vector is closest to the whole text's (title and
abstract), i.e. the most central one; not the first sentence when another is nearly as
central (the abstract that cards show below starts with it). Keywords (KeyBERT-style):
candidate phrases are noun phrases of one to three words, found by rules in runs between
stopwords and punctuation (`phrases.py`: no verb, adverb or gerund-with-object, a noun
for a last word, no cut compound); each is scored by the
cosine of its vector to the text's, with a small bonus for repeats and for the title, and
picked by maximal marginal relevance so that they differ from each other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dailypapers.summarize.phrases import JOINING, breaks_run, drop_verbs, is_noun_phrase
from dailypapers.summarize.static import StaticVectors
from dailypapers.summarize.words import FUNCTION_WORDS, STOPWORDS

MIN_KEYWORDS, MAX_KEYWORDS = 3, 8
MAX_PHRASE_WORDS = 3
MMR_LAMBDA = 0.6
MMR_POOL = 30  # the best candidates by relevance that MMR chooses from
SUMMARY_MIN_WORDS, SUMMARY_MAX_WORDS = 6, 70
TITLE_WEIGHT = 0.5
# Cards show the abstract's start under the summary: when another sentence scores within
# this fraction of the first one, it is the summary, so the first is not said twice.
FIRST_SENTENCE_MARGIN = 0.08

_ABBREVIATIONS = re.compile(r"\b(e\.g|i\.e|et al|etc|vs|cf|Fig|Eq|Sec|approx)\.", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])")
_WORD = re.compile(
    r"[0-9]*[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*|[0-9]+(?:\.[0-9]+)?|[^\sA-Za-z0-9]"
)


@dataclass(frozen=True, slots=True)
class Extract:
    summary: str
    keywords: list[str]


def sentences(text: str) -> list[str]:
    text = " ".join(text.split())
    if not text:
        return []
    protected = _ABBREVIATIONS.sub(lambda m: m.group(0).replace(".", "\x00"), text)
    parts = _SENTENCE_END.split(protected)
    return [p.replace("\x00", ".").strip() for p in parts if p.strip()]


_POSSESSIVE = re.compile(r"(?<=[A-Za-z0-9])['\u2019](?:s|t|re|ve|ll|d|m)\b")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


def words(text: str) -> list[str]:
    """Words, numbers and punctuation marks; a possessive 's or a contraction's tail
    ('t, 're, ...) goes with its word; links are left out (a repository's name is no topic)."""
    return _WORD.findall(_POSSESSIVE.sub("", _URL.sub(" ", text)))


def candidates(tokens: Sequence[str]) -> dict[str, tuple[list[str], int]]:
    """Candidate phrases: lower-cased key -> (words of the first spelling, count)."""
    found: dict[str, tuple[list[str], int]] = {}
    run: list[str] = []
    before = "."
    for previous, token in zip([".", *tokens], tokens, strict=False):
        if token[-1].isalpha() and _joins(token):
            if not run:
                before = previous
            run.append(token)
            continue
        for piece in drop_verbs(run, before):
            _count_phrases(found, piece)
        run = []
    for piece in drop_verbs(run, before):
        _count_phrases(found, piece)
    return found


def _joins(token: str) -> bool:
    lower = token.lower()
    return (lower not in STOPWORDS or lower in JOINING) and not breaks_run(token)


def _count_phrases(found: dict[str, tuple[list[str], int]], run: list[str]) -> None:
    """Every noun phrase of one to three words that ends where the run ends, or before
    "model" ("speech recognition"): not "training-free token" of "... token compression"."""
    for size in range(1, MAX_PHRASE_WORDS + 1):
        for start in range(0, len(run) - size + 1):
            phrase, end = run[start : start + size], start + size
            cut = end < len(run) and run[end].lower() not in JOINING
            if cut or (size == 1 and len(phrase[0]) < 3) or not is_noun_phrase(phrase):
                continue
            key = " ".join(phrase).lower()
            seen = found.get(key)
            found[key] = (seen[0], seen[1] + 1) if seen else (phrase, 1)


def _mmr(vectors: np.ndarray, relevance: np.ndarray, k: int) -> list[int]:
    """Maximal marginal relevance: relevant, and unlike the ones already chosen."""
    chosen: list[int] = []
    redundancy = np.full(len(vectors), -np.inf, dtype=np.float32)
    available = np.ones(len(vectors), dtype=bool)
    while len(chosen) < k and available.any():
        value = relevance if not chosen else MMR_LAMBDA * relevance - (1 - MMR_LAMBDA) * redundancy
        value = np.where(available, value, -np.inf)
        best = int(np.argmax(value))
        chosen.append(best)
        available[best] = False
        redundancy = np.maximum(redundancy, vectors @ vectors[best])
    return chosen


def extract_many(
    vectors: StaticVectors, papers: Sequence[tuple[str, str]], *, max_keywords: int = MAX_KEYWORDS
) -> list[Extract]:
    """(title, abstract) pairs -> an Extract each; the pooling runs once for the batch."""
    prepared = []
    vocabulary: set[str] = set()
    for title, abstract in papers:
        title_words = words(title)
        sents = sentences(abstract or "")
        sent_words = [words(s) for s in sents]
        found = candidates([*title_words, ".", *(w for ws in sent_words for w in ws)])
        title_key = " ".join(title_words).lower()
        prepared.append((title_words, sents, sent_words, found, title_key))
        vocabulary.update(title_words)
        for ws in sent_words:
            vocabulary.update(ws)
    vocab = sorted(vocabulary)
    ids = dict(zip(vocab, vectors.word_ids(vocab), strict=True))

    def content(ws: Sequence[str]) -> list[int]:
        return [i for w in ws if w.lower() not in STOPWORDS for i in ids[w]]

    def phrase(ws: Sequence[str]) -> list[int]:
        return [i for w in ws for i in ids[w]]

    lists: list[list[int]] = []
    for title_words, _, sent_words, found, _ in prepared:
        sent_ids = [content(ws) for ws in sent_words]
        lists.append(content(title_words) + [i for s in sent_ids for i in s])
        lists.append(content(title_words))
        lists.extend(sent_ids)
        lists.extend(phrase(ws) for ws, _ in found.values())
    pooled = vectors.pool(lists)
    out: list[Extract] = []
    row = 0
    for _, sents, _, found, title_key in prepared:
        doc, title_vec = pooled[row], pooled[row + 1]
        row += 2
        sent_vecs = pooled[row : row + len(sents)]
        cand_vecs = pooled[row + len(sents) : row + len(sents) + len(found)]
        row += len(sents) + len(found)
        cands = [
            (" ".join(ws), count + (1 if key in title_key else 0))
            for key, (ws, count) in found.items()
        ]
        out.append(
            Extract(
                _summary(doc, title_vec, sents, sent_vecs),
                _keywords(doc, cands, cand_vecs, max_keywords),
            )
        )
    return out


def _summary(doc: np.ndarray, title: np.ndarray, sents: list[str], vecs: np.ndarray) -> str:
    """Centrality: cosine to the whole text, and to the title (the authors' own summary)."""
    if not sents:
        return ""
    scores = vecs @ doc + TITLE_WEIGHT * (vecs @ title)
    lengths = np.array([len(s.split()) for s in sents])
    fits = (lengths >= SUMMARY_MIN_WORDS) & (lengths <= SUMMARY_MAX_WORDS)
    if fits.any():
        scores = np.where(fits, scores, -np.inf)
    best = int(np.argmax(scores))
    if best == 0 and len(sents) > 1:
        runner_up = int(np.argmax(scores[1:])) + 1
        if scores[runner_up] >= scores[0] - FIRST_SENTENCE_MARGIN * abs(scores[0]):
            best = runner_up
    return sents[best]


def _keywords(doc: np.ndarray, cands: list[tuple[str, int]], vecs: np.ndarray, k: int) -> list[str]:
    if not cands:
        return []
    counts = np.array([c for _, c in cands], dtype=np.float32)
    relevance = vecs @ doc + 0.03 * np.log1p(counts)
    relevance[np.linalg.norm(vecs, axis=1) == 0] = -np.inf
    pool = np.argsort(-relevance, kind="stable")[:MMR_POOL]
    pool = pool[np.isfinite(relevance[pool])]
    picked = _mmr(vecs[pool], relevance[pool], max(MIN_KEYWORDS, min(k, MAX_KEYWORDS)))
    chosen: list[str] = []
    for i in picked:
        text = cands[pool[i]][0]
        if text.lower() not in (c.lower() for c in chosen):
            chosen.append(text)
    return chosen


__all__ = ["FUNCTION_WORDS", "Extract", "extract_many", "sentences"]
