"""Which papers a search returns, for the search API and the search feed.

Uses the search feature's `search_papers` when this build has it. Until then a plain
keyword match (every word in the title or abstract, most upvoted first) stands in, and
`search_mode()` says "keyword-fallback" so the API can tell its callers.
"""

from __future__ import annotations

from sqlalchemy import and_, or_
from sqlalchemy.orm import Session

from dailypapers.papers.models import Paper
from dailypapers.papers.periods import Period
from dailypapers.papers.queries import PaperCard, paper_cards, period_list

MAX_TERMS = 12


def search_cards(
    session: Session, *, query: str, limit: int
) -> tuple[list[PaperCard], Period | None]:
    """The best `limit` papers for `query`; the latest list when the query is empty."""
    if not query:
        listing = period_list(session, per_page=limit)
        return listing.cards, listing.period
    return keyword_fallback(session, query=query, limit=limit), None


def search_mode() -> str:
    return "keyword-fallback"


def keyword_fallback(session: Session, *, query: str, limit: int) -> list[PaperCard]:
    """Papers whose title or abstract holds every word of `query` (case-insensitive)."""
    words = [w for w in query.split() if w][:MAX_TERMS]
    matches = [
        or_(
            Paper.title.icontains(word, autoescape=True),
            Paper.abstract.icontains(word, autoescape=True),
        )
        for word in words
    ]
    cards, _ = paper_cards(session, where=[and_(*matches)], sort="upvotes", per_page=limit)
    return cards
