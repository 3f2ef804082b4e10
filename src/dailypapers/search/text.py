"""Texts the search indexes see: the embedded text of a paper and the terms of a user query."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")
# Letters and digits only: what survives here can never be FTS5 or tsquery syntax.
_TERM = re.compile(r"[^\W_]+")
MAX_TERMS = 32
MAX_PHRASES = 8
_QUOTED = re.compile(r'"([^"]*)"')

# Words too common to select anything; dropped from a query unless nothing else is left.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very via was we
    were what when where which while who whom why will with would you your yours yourself
    yourselves using use used based towards toward""".split()  # noqa: SIM905 (a word list reads best as text)
)


def embedding_text(title: str, abstract: str) -> str:
    """`title. abstract` with whitespace collapsed: what the embedder encodes."""
    text = f"{title.strip()}. {abstract.strip()}" if abstract.strip() else title.strip()
    return _SPACE.sub(" ", text).strip()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A user query reduced to plain terms; its raw text is kept for the embedder."""

    raw: str
    terms: tuple[str, ...]
    phrases: tuple[str, ...] = ()  # quoted runs of two or more words, words space-separated

    @property
    def text(self) -> str:
        return _SPACE.sub(" ", self.raw).strip()

    def __bool__(self) -> bool:
        return bool(self.text)


def parse_query(raw: str) -> ParsedQuery:
    """Keep words made of letters and digits, and "quoted phrases" of two words or more;
    other syntax (`*`, `:`, `-`, NEAR, brackets, an unpaired quote) vanishes."""
    words = [w.casefold() for w in _TERM.findall(raw)]
    kept = [w for w in words if w not in STOP_WORDS] or words
    phrases = []
    for quoted in _QUOTED.findall(raw):
        inside = [w.casefold() for w in _TERM.findall(quoted)]
        if len(inside) > 1:
            phrases.append(" ".join(inside[:MAX_TERMS]))
    return ParsedQuery(
        raw=raw,
        terms=tuple(dict.fromkeys(kept))[:MAX_TERMS],
        phrases=tuple(dict.fromkeys(phrases))[:MAX_PHRASES],
    )
