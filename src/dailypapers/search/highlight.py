"""Highlighted text as segments: plain strings with a flag, escaped by whoever renders them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Markers the full-text backends put around matched terms. Control characters never appear
# in normalized paper text; a stray one could only mis-place a highlight, never inject markup.
START = "\x02"
STOP = "\x03"
_MARKERS = re.compile("([\x02\x03])")


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    highlight: bool = False

    def as_dict(self) -> dict[str, str | bool]:
        return {"text": self.text, "highlight": self.highlight}


def plain(text: str) -> list[Segment]:
    return [Segment(text)] if text else []


def split_marked(marked: str) -> list[Segment]:
    """Turn `a \x02b\x03 c` into [a ][b*][ c]; adjacent highlights are merged."""
    segments: list[Segment] = []
    inside = False
    for piece in _MARKERS.split(marked):
        if piece in (START, STOP):
            inside = piece == START
        elif piece:
            _append(segments, Segment(piece, inside))
    return segments


def _append(segments: list[Segment], segment: Segment) -> None:
    if segments and segments[-1].highlight == segment.highlight:
        segments[-1] = Segment(segments[-1].text + segment.text, segment.highlight)
    else:
        segments.append(segment)


def segments_html(segments: Sequence[Segment]) -> Markup:
    """Escaped HTML, matches in <mark>: every piece of paper text goes through `escape`."""
    parts = [
        Markup("<mark>{0}</mark>").format(s.text) if s.highlight else escape(s.text)
        for s in segments
    ]
    return Markup("").join(parts)


def segments_text(segments: Sequence[Segment]) -> str:
    return "".join(s.text for s in segments)
