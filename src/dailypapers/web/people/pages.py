"""The pages of an organization, an author and a user."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from dailypapers.web.deps import CurrentUser, PageDep, SessionDep
from dailypapers.web.people.data import org_papers, papers_by, user_profile
from dailypapers.web.shared import voted

router = APIRouter(include_in_schema=False)
PageNumber = Query(1, ge=1, le=10_000, description="Page number.")


@router.get("/orgs/{name:not_feed}", response_class=HTMLResponse)  # names may hold a /
def organization(
    page: PageDep, name: str, session: SessionDep, user: CurrentUser, p: int = PageNumber
) -> HTMLResponse:
    found = org_papers(session, name=name, page=p)
    context = {"org": found.org, "cards": found.cards, "total": found.total, "page": p}
    return page("org.html", {**context, "voted": voted(session, user, found.cards)})


@router.get("/authors/{name:not_feed}", response_class=HTMLResponse)
def author(
    page: PageDep, name: str, session: SessionDep, user: CurrentUser, p: int = PageNumber
) -> HTMLResponse:
    found = papers_by(session, name=name, page=p)
    context = {"name": name, "cards": found.cards, "total": found.total, "page": p}
    return page("author.html", {**context, "voted": voted(session, user, found.cards)})


@router.get("/users/{username}", response_class=HTMLResponse)
def profile(page: PageDep, username: str, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    found = user_profile(session, username=username, viewer=user)
    activity = found.activity
    context = {
        "activity": activity,
        "voted": voted(session, user, [*activity.submitted, *activity.upvoted]),
        "collections": found.collections,
    }
    return page("user.html", context)
