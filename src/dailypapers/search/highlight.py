"""Highlighted text as segments: plain strings with a flag, escaped by whoever renders them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from markupsafe import Markup, escape


class Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    highlight: bool = False

    def as_dict(self) -> dict[str, str | bool]:
        return {"text": self.text, "highlight": self.highlight}


def plain(text: str) -> list[Segment]:
    return [Segment(text)] if text else []


def segments_html(segments: Sequence[Segment]) -> Markup:
    """Escaped HTML, matches in <mark>: every piece of paper text goes through `escape`."""
    parts = [
        Markup("<mark>{0}</mark>").format(s.text) if s.highlight else escape(s.text)
        for s in segments
    ]
    return Markup("").join(parts)


def segments_text(segments: Sequence[Segment]) -> str:
    return "".join(s.text for s in segments)


_WORD = re.compile(r"[^\W_]+")


def _fold(word: str) -> str:
    """Case and accents folded, as the index's tokenizers do (unicode61 remove_diacritics)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class TermMarker:
    """Marks the words of a text whose stem is the stem of a query term."""

    def __init__(self, terms: Sequence[str], stemmer: Stemmer) -> None:
        self.stemmer = stemmer
        self.stems = {stemmer.stemWord(_fold(t)) for t in terms}
        self.prefixes = {s[:3] for s in self.stems}  # a stem starts its word's first letters
        self._seen: dict[str, bool] = {}
        # In ASCII text only words starting with a prefix can match: the regex engine finds
        # them, and Python stems those few instead of looking at every word.
        alternatives = "|".join(sorted(map(re.escape, self.prefixes), key=len, reverse=True))
        self._candidates = re.compile(
            rf"(?<![^\W_])(?:{alternatives})[^\W_]*" if alternatives else r"(?!)",
            re.IGNORECASE | re.ASCII,
        )

    def _matches(self, word: str) -> bool:
        known = self._seen.get(word)
        if known is None:
            folded = word.casefold() if word.isascii() else _fold(word)
            known = folded[:3] in self.prefixes and self.stemmer.stemWord(folded) in self.stems
            self._seen[word] = known
        return known

    def mark(self, text: str) -> list[Segment]:
        segments: list[Segment] = []
        last = 0
        words = self._candidates if text.isascii() else _WORD
        for match in words.finditer(text):
            if self._matches(match.group()):  # whole words: a match never touches a match
                if match.start() > last:
                    segments.append(Segment(text[last : match.start()]))
                segments.append(Segment(match.group(), True))
                last = match.end()
        if last < len(text):
            segments.append(Segment(text[last:]))
        return segments
