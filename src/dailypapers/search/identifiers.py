"""Identifiers people paste into the search box: arXiv ids and URLs, Hugging Face paper
URLs, DOIs. A search for one puts that paper first."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from dailypapers.papers.models import Paper

_ID = r"(\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})(?:v\d+)?"
_TAIL = r"(?:\.pdf)?/?(?:[?#]\S*)?"
_ARXIV = [
    re.compile(rf"(?:arxiv:\s*)?{_ID}", re.IGNORECASE),
    re.compile(
        rf"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/{_ID}{_TAIL}",
        re.IGNORECASE,
    ),
    re.compile(rf"(?:https?://)?(?:www\.)?(?:huggingface|hf)\.co/papers/{_ID}{_TAIL}", re.I),
    re.compile(rf"(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?10\.48550/arxiv\.{_ID}", re.I),
]
_DOI = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: Literal["arxiv", "doi"]
    value: str  # an arXiv id without version (old-style ids keep their archive), or a DOI


def identifier_in(query: str) -> Identifier | None:
    """The identifier that is the whole query, if it is one."""
    text = query.strip()
    for pattern in _ARXIV:
        found = pattern.fullmatch(text)
        if found:
            return Identifier("arxiv", found.group(1))
    found = _DOI.fullmatch(text)
    if found:
        return Identifier("doi", found.group(1).rstrip(".").lower())
    return None


def paper_with(
    session: Session, identifier: Identifier, where: Sequence[ColumnElement[bool]] = ()
) -> int | None:
    """The id of the paper that identifier names (and that passes `where`), if any."""
    if identifier.kind == "arxiv":
        named = or_(Paper.arxiv_id == identifier.value, Paper.key == identifier.value)
    else:
        named = func.lower(Paper.doi) == identifier.value
    return session.scalar(select(Paper.id).where(named, *where).limit(1))
