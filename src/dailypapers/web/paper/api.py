"""A paper in the JSON API (Hugging Face's `GET /api/papers/{id}`), as Markdown, and the
API's writes on it (upvote, comment) with a personal API token."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy.orm import Session

from dailypapers.changes.version import paper_votes
from dailypapers.community.comments import CommentError, add_comment
from dailypapers.community.votes import toggle_upvote
from dailypapers.web.api_schemas import (
    API_ERRORS,
    BEARER,
    JSON,
    WRITE_ERRORS,
    CommentIn,
    CommentOut,
    ErrorOut,
    PaperOut,
    UserOut,
    VoteOut,
    paper_out,
)
from dailypapers.web.deps import ApiWriter, CacheDep, SessionDep, absolute_base
from dailypapers.web.kept_answers import Rendered
from dailypapers.web.paper.data import paper_listing
from dailypapers.web.paper.markdown import paper_markdown
from dailypapers.web.ratelimit import enforce
from dailypapers.web.shared import paper_or_404

router = APIRouter(tags=["papers"])


@router.get(
    "/api/papers/{key:api_paper}",
    response_model=PaperOut,
    responses=API_ERRORS,
    summary="One paper",
)
async def paper(request: Request, cache: CacheDep, key: str) -> Response:
    base_url = absolute_base(request)

    def render(session: Session) -> Rendered:
        found = paper_out(paper_listing(session, key=key), base_url)
        return Rendered(found.model_dump_json().encode(), JSON)

    return await cache.serve(("paper", key, base_url), render, votes=paper_votes(key))


@router.get(
    "/papers/{key:paper_key}.md",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}}}, 404: {"model": ErrorOut}},
    summary="One paper as Markdown (what `read_paper` fetches)",
)
async def paper_as_markdown(request: Request, cache: CacheDep, key: str) -> Response:
    base_url = absolute_base(request)

    def render(session: Session) -> Rendered:
        text = paper_markdown(paper_listing(session, key=key), base_url)
        return Rendered(text.encode(), "text/markdown; charset=utf-8")

    return await cache.serve(("markdown", key, base_url), render, votes=paper_votes(key))


@router.post(
    "/api/papers/{key:paper_key}/upvote",
    response_model=VoteOut,
    responses=WRITE_ERRORS,
    summary="Toggle the token user's upvote",
    dependencies=BEARER,
)
def upvote(request: Request, key: str, session: SessionDep, user: ApiWriter) -> VoteOut:
    enforce(request, "vote", client=f"user:{user.id}")
    state = toggle_upvote(session, user=user, paper=paper_or_404(session, key))
    return VoteOut(id=key, upvoted=state.voted, upvotes=state.upvotes)


@router.post(
    "/api/papers/{key:paper_key}/comments",
    response_model=CommentOut,
    status_code=201,
    responses=WRITE_ERRORS,
    summary="Comment on a paper",
    dependencies=BEARER,
)
def comment(
    request: Request, key: str, body: CommentIn, session: SessionDep, user: ApiWriter
) -> CommentOut:
    enforce(request, "comment", client=f"user:{user.id}")
    try:
        made = add_comment(session, user=user, paper=paper_or_404(session, key), body=body.body)
    except CommentError as exc:
        raise HTTPException(400, str(exc)) from None
    author = UserOut(user=user.username, name=user.username, fullname=user.fullname or "")
    return CommentOut(
        id=made.id,
        paper=key,
        body=made.body,
        author=author,
        createdAt=made.created_at,
        editedAt=made.edited_at,
    )
