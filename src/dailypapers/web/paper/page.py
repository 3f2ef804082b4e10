"""A paper's page: its card, votes, comments, BibTeX, upvote history and similar papers."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.changes.version import paper_votes
from dailypapers.charts.svg import sparkline
from dailypapers.community.collections import collections_with_paper, user_collections
from dailypapers.community.comments import paper_comments
from dailypapers.community.votes import upvote_history, vote_state
from dailypapers.papers.bibtex import bibtex
from dailypapers.papers.models import Paper
from dailypapers.papers.queries import PaperCard
from dailypapers.search.service import similar_papers
from dailypapers.web.deps import CurrentUser, PageDep, SessionDep, absolute_base
from dailypapers.web.page_cache import anonymous_page
from dailypapers.web.paper.data import paper_view
from dailypapers.web.render import Page

router = APIRouter(include_in_schema=False)


@router.get("/papers/{key:paper}", response_class=HTMLResponse)
def paper(key: str, page: PageDep, session: SessionDep, user: CurrentUser) -> Response:
    """Kept whole for anonymous readers until the site changes or the paper gets a vote
    (similar papers are listed by title alone: their votes do not show)."""
    return anonymous_page(
        page.request,
        session,
        ("paper", key),
        lambda: paper_page(page, session, user, key=key),
        votes=paper_votes(key),
    )


def paper_page(
    page: Page,
    session: Session,
    user: User | None,
    *,
    key: str,
    comment_error: str | None = None,
    draft: str = "",
) -> HTMLResponse:
    """A paper's page; a refused comment comes back beside the form with the reader's text."""
    admin = bool(user and user.is_admin)
    detail = paper_view(session, key=key, include_hidden=admin)
    context = {
        "detail": detail,
        "vote": vote_state(session, user=user, paper=detail.paper),
        "comments": paper_comments(session, paper_id=detail.paper.id, include_hidden=admin),
        "bibtex": bibtex(detail.paper),
        "sparkline": _sparkline(session, detail.paper),
        "similar": _similar(session, detail.paper.id),
        "my_collections": user_collections(session, user=user) if user else [],
        "in_collections": (
            collections_with_paper(session, user=user, paper_id=detail.paper.id) if user else set()
        ),
        "comment_error": comment_error,
        "draft": draft,
        "saved_to": page.request.query_params.get("saved"),
        "page_url": f"{absolute_base(page.request)}/papers/{quote(key, safe='')}",
    }
    return page("paper.html", context, status_code=400 if comment_error else 200)


def _sparkline(session: Session, paper: Paper) -> Markup | None:
    """Upvotes over time, once readers here have voted (imported counts have no history)."""
    history = upvote_history(session, paper=paper)
    if history[-1] == paper.base_upvotes:
        return None
    return sparkline(history, label=f"Upvotes over time: {history[0]} to {history[-1]}")


def _similar(session: Session, paper_id: int) -> list[PaperCard]:
    return [found.card for found in similar_papers(session, paper_id=paper_id, limit=6)]
