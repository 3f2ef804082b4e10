"""Comments: plain text, edited and deleted by their author, hidden by admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community.models import Comment
from dailypapers.db.base import utcnow
from dailypapers.papers.models import Paper

MAX_LENGTH = 5000


class CommentError(ValueError):
    """A comment refused, with a message for the user."""


@dataclass(frozen=True, slots=True)
class CommentView:
    id: int
    body: str
    author: str
    author_fullname: str | None
    created_at: datetime
    edited_at: datetime | None
    hidden: bool


def _clean(body: str) -> str:
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise CommentError("A comment cannot be empty.")
    if len(body) > MAX_LENGTH:
        raise CommentError(f"Comments have at most {MAX_LENGTH} characters.")
    return body


def add_comment(session: Session, *, user: User, paper: Paper, body: str) -> Comment:
    comment = Comment(paper_id=paper.id, user_id=user.id, body=_clean(body))
    session.add(comment)
    session.flush()
    return comment


def _own(session: Session, *, user: User, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None or (comment.user_id != user.id and not user.is_admin):
        raise CommentError("No such comment of yours.")
    return comment


def edit_comment(session: Session, *, user: User, comment_id: int, body: str) -> Comment:
    """Only its author rewrites a comment: administrators hide or delete, never put words."""
    comment = session.get(Comment, comment_id)
    if comment is None or comment.user_id != user.id:
        raise CommentError("No such comment of yours.")
    comment.body = _clean(body)
    comment.edited_at = utcnow()
    session.flush()
    return comment


def delete_comment(session: Session, *, user: User, comment_id: int) -> int:
    """Delete a comment; returns its paper's id."""
    comment = _own(session, user=user, comment_id=comment_id)
    paper_id = comment.paper_id
    session.delete(comment)
    session.flush()
    return paper_id


def set_comment_hidden(session: Session, *, admin: User, comment_id: int, hidden: bool) -> int:
    if not admin.is_admin:
        raise CommentError("Only administrators can hide comments.")
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise CommentError("No such comment.")
    comment.hidden = hidden
    session.flush()
    return comment.paper_id


def paper_comments(
    session: Session, *, paper_id: int, include_hidden: bool = False
) -> list[CommentView]:
    query = (
        select(Comment, User.username, User.fullname)
        .join(User, User.id == Comment.user_id)
        .where(Comment.paper_id == paper_id)
        .order_by(Comment.created_at, Comment.id)
    )
    if not include_hidden:
        query = query.where(Comment.hidden.is_(False))
    return [
        CommentView(c.id, c.body, name, full, c.created_at, c.edited_at, c.hidden)
        for c, name, full in session.execute(query)
    ]
