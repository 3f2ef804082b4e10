"""HTML form actions on a paper: votes, comments, admin moderation."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from dailypapers.community.comments import (
    CommentError,
    add_comment,
    delete_comment,
    edit_comment,
    set_comment_hidden,
)
from dailypapers.community.votes import set_upvote, vote_state
from dailypapers.papers.admin import set_featured, set_hidden
from dailypapers.papers.models import Paper
from dailypapers.web.account.auth import safe_next
from dailypapers.web.deps import (
    AdminUser,
    CurrentUser,
    PageDep,
    RequiredUser,
    RowId,
    SessionDep,
    VerifiedUser,
)
from dailypapers.web.paper.page import paper_page
from dailypapers.web.ratelimit import enforce
from dailypapers.web.render import confirm_page
from dailypapers.web.security import verify_csrf
from dailypapers.web.shared import paper_or_404

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _back_to(key: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/papers/{key}{anchor}", status_code=303)


@router.post("/papers/{key:paper_key}/upvote")
def upvote(
    request: Request,
    key: str,
    session: SessionDep,
    user: CurrentUser,
    voted: str = Form("1"),
    back: str = Form(""),
) -> Response:
    """Set the user's vote: upvoted (voted=1, the default) or not (voted=0), never a toggle.

    `voted=toggle` still flips it for old clients. JSON for scripts, a redirect otherwise; a
    reader who is not logged in logs in first and the upvote is applied then.
    """
    if user is None:
        return RedirectResponse(_login_to_vote(key, back), status_code=303)
    enforce(request, "vote", client=f"user:{user.id}")
    paper = paper_or_404(session, key)
    want = (
        not vote_state(session, user=user, paper=paper).voted if voted == "toggle" else voted != "0"
    )
    state = set_upvote(session, user=user, paper=paper, voted=want)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"voted": state.voted, "upvotes": state.upvotes})
    return RedirectResponse(safe_next(back) if back else f"/papers/{key}", status_code=303)


@router.post("/papers/{key:paper_key}/unvote")
def unvote(
    request: Request, key: str, session: SessionDep, user: CurrentUser, back: str = Form("")
) -> Response:
    """Remove the user's upvote (nothing happens when there is none)."""
    return upvote(request, key, session, user, voted="0", back=back)


def _login_to_vote(key: str, back: str) -> str:
    """The log-in page that says why, applies the vote, then returns to the paper's card."""
    target = safe_next(back) if back else f"/papers/{key}"
    return f"/login?{urlencode({'next': target, 'vote': key})}"


@router.post("/papers/{key:paper_key}/comments")
def comment(
    request: Request,
    key: str,
    page: PageDep,
    session: SessionDep,
    user: VerifiedUser,
    body: str = Form("", max_length=20_000),
) -> Response:
    enforce(request, "comment", client=f"user:{user.id}")
    paper = paper_or_404(session, key)
    try:
        created = add_comment(session, user=user, paper=paper, body=body)
    except CommentError as exc:
        return paper_page(page, session, user, key=key, comment_error=str(exc), draft=body)
    return _back_to(key, f"#comment-{created.id}")


@router.post("/comments/{comment_id}/edit")
def comment_edit(
    request: Request,
    comment_id: RowId,
    session: SessionDep,
    user: VerifiedUser,
    body: str = Form(..., max_length=20_000),
) -> Response:
    enforce(request, "comment_edit", client=f"user:{user.id}")
    try:
        edited = edit_comment(session, user=user, comment_id=comment_id, body=body)
    except CommentError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    key = session.get(Paper, edited.paper_id).key  # type: ignore[union-attr]
    return _back_to(key, f"#comment-{comment_id}")


@router.post("/comments/{comment_id}/delete")
def comment_delete(
    request: Request,
    page: PageDep,
    comment_id: RowId,
    session: SessionDep,
    user: RequiredUser,
    confirmed: str = Form(""),
) -> Response:
    """Delete a comment once confirmed (the page's dialog, or a confirmation page without JS)."""
    if confirmed != "1":
        return confirm_page(
            page,
            question="Delete this comment?",
            detail="The comment is removed for good.",
            action=f"/comments/{comment_id}/delete",
            cancel=request.headers.get("referer", "/"),
        )
    try:
        paper_id = delete_comment(session, user=user, comment_id=comment_id)
    except CommentError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return _back_to(session.get(Paper, paper_id).key)  # type: ignore[union-attr]


@router.post("/comments/{comment_id}/hide")
def comment_hide(
    comment_id: RowId, session: SessionDep, admin: AdminUser, hidden: str = Form("1")
) -> Response:
    try:
        paper_id = set_comment_hidden(
            session, admin=admin, comment_id=comment_id, hidden=hidden == "1"
        )
    except CommentError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return _back_to(session.get(Paper, paper_id).key)  # type: ignore[union-attr]


@router.post("/papers/{key:paper_key}/hide")
def paper_hide(
    key: str, session: SessionDep, admin: AdminUser, hidden: str = Form("1")
) -> Response:
    set_hidden(session, admin=admin, key=key, hidden=hidden == "1")
    return _back_to(key)


@router.post("/papers/{key:paper_key}/feature")
def paper_feature(
    key: str, session: SessionDep, admin: AdminUser, featured: str = Form("1")
) -> Response:
    set_featured(session, admin=admin, key=key, featured=featured == "1")
    return _back_to(key)
