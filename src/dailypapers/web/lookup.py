"""The web's paper lookup: `papers.lookup.find_paper`, or 404 naming the id."""

from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy.orm import Session

from dailypapers.papers.lookup import find_paper
from dailypapers.papers.models import Paper


def paper_or_404(session: Session, key: str, *, include_hidden: bool = False) -> Paper:
    paper = find_paper(session, key=key, include_hidden=include_hidden)
    if paper is None:
        raise HTTPException(status_code=404, detail=f"No paper with id {key!r}.")
    return paper
