"""Upvotes: one per user and paper (the primary key), toggled."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community.models import Upvote
from dailypapers.papers.models import Paper


@dataclass(frozen=True, slots=True)
class VoteState:
    voted: bool
    upvotes: int


def vote_state(session: Session, *, user: User | None, paper: Paper) -> VoteState:
    votes = session.scalar(select(func.count()).where(Upvote.paper_id == paper.id)) or 0
    voted = user is not None and session.get(Upvote, (user.id, paper.id)) is not None
    return VoteState(voted=voted, upvotes=paper.base_upvotes + votes)


def set_upvote(session: Session, *, user: User, paper: Paper, voted: bool) -> VoteState:
    """Make the user's vote on `paper` exist (or not); safe against double clicks and races."""
    if voted:
        try:
            with session.begin_nested():
                session.add(Upvote(user_id=user.id, paper_id=paper.id))
        except IntegrityError:
            pass  # already voted: the database kept one vote
    else:
        session.execute(
            delete(Upvote).where(Upvote.user_id == user.id, Upvote.paper_id == paper.id)
        )
    session.flush()
    return vote_state(session, user=user, paper=paper)


def toggle_upvote(session: Session, *, user: User, paper: Paper) -> VoteState:
    current = vote_state(session, user=user, paper=paper)
    return set_upvote(session, user=user, paper=paper, voted=not current.voted)


def voted_keys(session: Session, *, user: User | None, keys: list[str]) -> set[str]:
    """Which of these papers the user has upvoted (for list pages)."""
    if user is None or not keys:
        return set()
    rows = session.scalars(
        select(Paper.key)
        .join(Upvote, Upvote.paper_id == Paper.id)
        .where(Upvote.user_id == user.id, Paper.key.in_(keys))
    )
    return set(rows)


def upvote_history(session: Session, *, paper: Paper, days: int = 30) -> list[int]:
    """Cumulative upvotes at the end of each of the last `days` days with votes, base included.

    The series runs from the first vote (or today) over at most `days` daily points.
    """
    stamps = list(
        session.scalars(
            select(Upvote.created_at).where(Upvote.paper_id == paper.id).order_by(Upvote.created_at)
        )
    )
    if not stamps:
        return [paper.base_upvotes, paper.base_upvotes]
    first = stamps[0].date()
    last = max(stamps[-1].date(), first)
    span = min((last - first).days + 1, days)
    start = last.toordinal() - span + 1
    series = []
    for ordinal in range(start, last.toordinal() + 1):
        series.append(
            paper.base_upvotes + sum(1 for s in stamps if s.date().toordinal() <= ordinal)
        )
    return [paper.base_upvotes, *series]
