"""One paper: `paper_view` is the data function its page, its JSON and its Markdown render."""

from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy.orm import Session

from dailypapers.papers.listings import Listing, paper_listing_of
from dailypapers.papers.queries import PaperDetail, paper_detail


def paper_view(session: Session, *, key: str, include_hidden: bool = False) -> PaperDetail:
    """The paper (found by `papers.lookup.find_paper`'s rule), or 404 naming the id."""
    detail = paper_detail(session, key=key, include_hidden=include_hidden)
    if detail is None:
        raise HTTPException(status_code=404, detail=f"No paper with id {key!r}.")
    return detail


def paper_listing(session: Session, *, key: str) -> Listing:
    """The visible paper with its first listing, as the API and the Markdown twin show it."""
    return paper_listing_of(session, paper_view(session, key=key))
