"""Marking query words: the regex shortcut for ASCII text marks exactly what a word-by-word
pass marks."""

from __future__ import annotations

import pytest
import snowballstemmer

from dailypapers.search.highlight import _WORD, Segment, TermMarker

STEMMER = snowballstemmer.stemmer("english")
TEXTS = [
    "Attention is all you need: attentive models attend to ATTENTION, not to x_attention.",
    "Models, modelling and re-modelled remodels; model2vec and 3models.",
    "Naïve café models (non-ASCII text takes the word-by-word path).",
    "Graph neural networks on graphs; Graphs! graph-based GRAPH",
    "",
    "no match here at all",
]


def _word_by_word(marker: TermMarker, text: str) -> list[tuple[str, bool]]:
    marks = [(m.start(), m.end()) for m in _WORD.finditer(text) if marker._matches(m.group())]
    segments, last = [], 0
    for start, end in marks:
        if start > last:
            segments.append((text[last:start], False))
        segments.append((text[start:end], True))
        last = end
    if last < len(text):
        segments.append((text[last:], False))
    merged: list[tuple[str, bool]] = []
    for piece, flag in segments:
        if merged and merged[-1][1] == flag:
            merged[-1] = (merged[-1][0] + piece, flag)
        else:
            merged.append((piece, flag))
    return merged


@pytest.mark.parametrize(
    "terms", [["attention"], ["models", "graph"], ["re"], ["x"], ["café"], ["networks", "2vec"]]
)
def test_the_shortcut_marks_what_the_word_by_word_pass_marks(terms: list[str]) -> None:
    marker = TermMarker(terms, STEMMER)
    for text in TEXTS:
        marked = [(s.text, s.highlight) for s in marker.mark(text)]
        assert marked == _word_by_word(marker, text), (terms, text)


def test_marks_whole_words_only() -> None:
    marker = TermMarker(["attention"], STEMMER)
    assert marker.mark("x_attention attentions") == [
        Segment("x_"),
        Segment("attention", True),
        Segment(" "),
        Segment("attentions", True),
    ]
