"""Which papers a search returns, for the search API and the search feed.

The search feature's `search_papers` does the work (keyword, semantic or hybrid); an empty
query gives the latest list instead, so `list_papers()` without a query shows something.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from dailypapers.papers.periods import Period
from dailypapers.papers.queries import PaperCard, period_list
from dailypapers.search.embedder import default_embedder
from dailypapers.search.service import Mode, search_papers


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
        embedder=lambda: default_embedder(),
    )
    return Found([hit.card for hit in results.hits], None, results.mode)
