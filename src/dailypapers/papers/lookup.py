"""One paper by its public id, with the one rule about hidden papers.

A hidden paper (hidden by an administrator) is gone for everyone else: no page, no API
answer, no feed entry, no vote, comment or collection add. Every route that looks a paper up
by its id calls `find_paper`; only administrators' views and moderation pass
`include_hidden=True`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from dailypapers.papers.models import Paper


def shown(*, include_hidden: bool = False) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the hidden rule, for queries that select more than the paper."""
    return [] if include_hidden else [Paper.hidden.is_(False)]


def find_paper(session: Session, *, key: str, include_hidden: bool = False) -> Paper | None:
    """The paper whose public id is `key` (arXiv id or `dp-...`), or None."""
    return session.scalar(
        select(Paper).where(Paper.key == key, *shown(include_hidden=include_hidden))
    )
