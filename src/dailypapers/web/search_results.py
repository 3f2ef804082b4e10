"""Which papers a search returns, for the search API and the search feed.

The search feature's `search_papers` does the work (keyword, semantic or hybrid); an empty
query gives the latest list instead, so `list_papers()` without a query shows something.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException
from sqlalchemy.orm import Session

from dailypapers.papers.periods import Period
from dailypapers.papers.queries import PaperCard, period_list
from dailypapers.search.embedder import served_embedder
from dailypapers.search.service import Mode, search_papers
from dailypapers.search.text import parse_query


@dataclass(frozen=True, slots=True)
class Found:
    cards: list[PaperCard]
    period: Period | None  # the list shown for an empty query
    mode: Mode | None  # the mode that ran (hybrid falls back to keyword without a model)


def search_cards(session: Session, *, query: str, limit: int, mode: Mode = "hybrid") -> Found:
    """The best `limit` papers for `query`; the latest list when the query is empty."""
    if not query:
        listing = period_list(session, per_page=limit)
        return Found(listing.cards, listing.period, None)
    results = search_papers(
        session,
        query=query,
        mode=mode,
        limit=limit,
        highlight=False,
        embedder=lambda: served_embedder(),
    )
    return Found([hit.card for hit in results.hits], None, results.mode)


def require_words(query: str) -> None:
    """400 for a search with no letter or digit (only quotes, operators, brackets...).

    Query syntax is never passed to the index: a search that holds words is run on its
    words alone, so `"attention*` finds attention; one without any has nothing to look for.
    """
    if query.strip() and not parse_query(query).terms:
        raise HTTPException(
            status_code=400,
            detail=f"The search {query!r} has no words to look for: it needs letters or "
            "digits (quotes, *, :, -, NEAR, AND, brackets and the like are ignored).",
        )
