"""Typed dependencies: the request's database session (committed at the edge), the user and
the viewer, and what `create_app` built: settings, cache, email deliveries, embedder.

Those that touch no database are `async def`: FastAPI runs each sync dependency in the
thread pool, a hop (and a wait for a thread) per dependency and request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Path, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.accounts.sessions import api_token_user, session_user
from dailypapers.mail.after_commit import Deliveries
from dailypapers.search.embedder import EmbedderSource, embedder_for
from dailypapers.settings import Settings
from dailypapers.web.cache import RequestCache, request_cache
from dailypapers.web.reads import reader
from dailypapers.web.render import Page, Viewer
from dailypapers.web.security import SESSION_COOKIE, cookie_name


def _session(request: Request) -> Iterator[Session]:
    """The request's unit of work: on a replica for reads, else on the primary (web/reads)."""
    with reader(request).sessions() as session, session.begin():
        yield session


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def absolute_base(request: Request) -> str:
    """The site's address for absolute links (feeds, API `url` fields): `BASE_URL` when set,
    else the scheme and host this request came to (proxy headers honoured by uvicorn)."""
    configured = str(request.app.state.settings.base_url)
    return (configured or str(request.base_url)).rstrip("/")


def in_site_base(request: Request) -> str:
    """The prefix of links within the site's own pages: empty (relative) unless `BASE_URL`."""
    return str(request.app.state.settings.base_url).rstrip("/")


async def _templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


async def _deliveries(request: Request) -> Deliveries:
    deliveries: Deliveries = request.app.state.deliveries
    return deliveries


async def _embedder(request: Request) -> EmbedderSource:
    """The embedder of the app's settings (not of the environment): `embedder="none"` runs
    search on keywords alone without loading a model."""
    return embedder_for(request.app.state.settings, build=False)  # never built in a request


async def _cache(request: Request) -> RequestCache:
    return request_cache(request)


# The largest id a table can hold on both backends (PostgreSQL `integer`): a bigger one in a
# URL or form is refused with 422 before it reaches the database (no overflow, no 500).
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row id.")]

# "function": commit before the answer leaves, so a redirect never outruns its own write.
SessionDep = Annotated[Session, Depends(_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(_settings)]
TemplatesDep = Annotated[Jinja2Templates, Depends(_templates)]
EmbedderDep = Annotated[EmbedderSource, Depends(_embedder)]
# Emails sent after the request's commit (built by create_app with its engine and settings).
DeliveriesDep = Annotated[Deliveries, Depends(_deliveries)]
# The app's response cache (built by create_app, with its clock), bound to the request.
CacheDep = Annotated[RequestCache, Depends(_cache)]


class LoginRequired(Exception):
    """Raised for an anonymous visitor on a page that needs an account."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def _optional_user(request: Request, session: SessionDep) -> User | None:
    token = request.cookies.get(cookie_name(request, SESSION_COOKIE))
    return session_user(session, token=token) if token else None


def viewer_of(user: User | None) -> Viewer | None:
    if user is None:
        return None
    return Viewer(user.id, user.username, user.email, user.role, user.is_verified)


async def _viewer(user: Annotated[User | None, Depends(_optional_user)]) -> Viewer | None:
    return viewer_of(user)


async def _page(request: Request, viewer: Annotated[Viewer | None, Depends(_viewer)]) -> Page:
    return Page(request, viewer)


def error_viewer(request: Request) -> Viewer | None:
    """The viewer of an error page, which no route rendered: looked up from the session
    cookie in a session of its own (None when there is none or the lookup fails)."""
    token = request.cookies.get(cookie_name(request, SESSION_COOKIE))
    if not token:
        return None
    try:
        with reader(request).sessions() as session, session.begin():
            return viewer_of(session_user(session, token=token))
    except SQLAlchemyError:
        return None  # the database is the error: the page goes without the header's name


async def _required_user(
    request: Request, user: Annotated[User | None, Depends(_optional_user)]
) -> User:
    if user is None:
        target = request.url.path
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        raise LoginRequired(quote(target, safe="/?=&-_.~"))
    return user


UNVERIFIED = (
    "Confirm your email address first: use the link we emailed you (your settings page can "
    "send it again)."
)


async def _verified_user(user: Annotated[User, Depends(_required_user)]) -> User:
    """A signed-in user whose address is proven: needed to comment, submit, create tokens."""
    if not user.is_verified:
        raise HTTPException(status_code=403, detail=UNVERIFIED)
    return user


async def _admin_user(user: Annotated[User, Depends(_required_user)]) -> User:
    if not user.is_admin:
        raise HTTPException(status_code=403, detail="Only administrators can do this.")
    return user


def _api_user(request: Request, session: SessionDep) -> User | None:
    """The user of a Bearer token; an unknown token is ignored (the HF client sends its own)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return api_token_user(session, token=header[7:].strip())
    return None


async def _api_writer(user: Annotated[User | None, Depends(_api_user)]) -> User:
    if user is None:
        raise HTTPException(
            status_code=401,
            detail="A personal API token is required (Authorization: Bearer dp_...).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not user.is_verified:
        raise HTTPException(status_code=403, detail=UNVERIFIED)
    return user


CurrentUser = Annotated[User | None, Depends(_optional_user)]
ViewerDep = Annotated[Viewer | None, Depends(_viewer)]
# Renders templates for this request and its viewer: `page("list.html", context)`.
PageDep = Annotated[Page, Depends(_page)]
RequiredUser = Annotated[User, Depends(_required_user)]
VerifiedUser = Annotated[User, Depends(_verified_user)]
AdminUser = Annotated[User, Depends(_admin_user)]
ApiUser = Annotated[User | None, Depends(_api_user)]
ApiWriter = Annotated[User, Depends(_api_writer)]
