"""GET /api/papers/{id}/comments: a paper's visible comments, oldest first.

Each item has the shape of a comment event in Hugging Face's discussion API (what
`huggingface_hub`'s `DiscussionComment` reads): `id`, `type: "comment"`, `createdAt`,
`author`, and `data` with `latest.raw` (the text), `edited`, `hidden`, `numEdits`, `editors`.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from dailypapers.community.comments import CommentView, paper_comments
from dailypapers.web.api_schemas import ErrorOut, Timestamp, UserOut
from dailypapers.web.deps import SessionDep
from dailypapers.web.shared import paper_or_404

router = APIRouter(tags=["papers"])


class CommentText(BaseModel):
    raw: str = Field(description="The comment's text, as written.")
    updatedAt: Timestamp = Field(description="When it was written or last edited.")
    author: UserOut


class CommentData(BaseModel):
    latest: CommentText
    edited: bool
    hidden: bool = False
    numEdits: int = Field(description="0, or 1 once edited (edits are not counted).")
    editors: list[str]


class CommentItem(BaseModel):
    id: str
    type: Literal["comment"] = "comment"
    createdAt: Timestamp
    author: UserOut
    data: CommentData


class CommentList(BaseModel):
    comments: list[CommentItem]
    count: int


def comment_item(view: CommentView) -> CommentItem:
    fullname = view.author_fullname or view.author
    author = UserOut(user=view.author, name=view.author, fullname=fullname)
    edited = view.edited_at is not None
    latest = CommentText(raw=view.body, updatedAt=view.edited_at or view.created_at, author=author)
    data = CommentData(
        latest=latest, edited=edited, numEdits=int(edited), editors=[view.author] if edited else []
    )
    return CommentItem(id=str(view.id), createdAt=view.created_at, author=author, data=data)


@router.get(
    "/api/papers/{key:paper_key}/comments",
    response_model=CommentList,
    responses={404: {"model": ErrorOut, "description": "No such paper."}},
    summary="A paper's comments, oldest first (hidden ones left out)",
)
def comments(key: str, session: SessionDep) -> CommentList:
    paper = paper_or_404(session, key)
    items = [comment_item(view) for view in paper_comments(session, paper_id=paper.id)]
    return CommentList(comments=items, count=len(items))
