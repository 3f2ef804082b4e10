"""`create_app(settings)`: the one application object that the CLI serves and tests build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from dailypapers import __version__
from dailypapers.db.engine import make_engine, session_factory
from dailypapers.logs import install_redaction
from dailypapers.mail.after_commit import Deliveries
from dailypapers.settings import Settings
from dailypapers.web import (
    account,
    collections,
    docs,
    faults,
    feed_preview,
    filters,
    for_you,
    lists,
    mailbox,
    paper,
    people,
    reads,
    search,
    subscriptions,
    thumbnails,
)
from dailypapers.web.admission import Admission, pool_options
from dailypapers.web.contract import allowed_methods, describe
from dailypapers.web.deps import LoginRequired, error_viewer
from dailypapers.web.guards import InputGuard, document_guard_responses
from dailypapers.web.kept_answers import MAX_BYTES, MAX_BYTES_BESIDE_NODE, ResponseCache
from dailypapers.web.node_cache import node_cache_for
from dailypapers.web.ratelimit import LIMITS, DatabaseRateLimiter
from dailypapers.web.render import PageRefusal, Viewer, render, render_refusal
from dailypapers.web.security import install_security

HERE = Path(__file__).parent


def create_app(settings: Settings) -> FastAPI:
    # /docs and /redoc come from web/docs.py, with their assets served locally (no CDN)
    app = FastAPI(title="dailypapers", version=__version__, docs_url=None, redoc_url=None)
    app.state.settings = settings
    install_redaction(settings)  # secrets never reach the logs (dailypapers/logs.py)
    pool = pool_options(settings.max_requests_in_flight)  # room for every admitted request
    app.state.engine = make_engine(settings.database_url, data_dir=settings.data_dir, **pool)
    app.state.sessions = session_factory(app.state.engine)
    app.state.rate_limiter = DatabaseRateLimiter(LIMITS, app.state.engine)
    # routes receive it as CacheDep
    node = node_cache_for(settings)  # `serve --workers N` names a folder
    app.state.response_cache = ResponseCache(
        vote_grace=settings.vote_grace_seconds,
        node=node,
        max_bytes=MAX_BYTES if node is None else MAX_BYTES_BESIDE_NODE,
    )
    app.state.deliveries = Deliveries(app.state.engine, settings)  # as DeliveriesDep
    templates = Jinja2Templates(directory=HERE / "templates")
    filters.install(templates.env)
    # Templates are files of the installed package, loaded once per process: Jinja's
    # default stats each template file on every render to see whether it changed.
    templates.env.auto_reload = False
    app.state.templates = templates
    app.add_middleware(  # inside the guard, which reads a body before anything waits on it
        Admission,
        in_flight=settings.max_requests_in_flight,
        queue_seconds=settings.request_queue_seconds,
    )
    app.add_middleware(InputGuard, max_body_bytes=settings.max_request_bytes)
    document_guard_responses(app)
    describe_contract(app)
    install_security(app)  # outermost: the guard's answers get headers
    reads.install(app, settings)  # replicas for reads; outside all: a failed read runs again
    _install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # One router per resource; their paths never overlap (web/shared.py's path parameters),
    # so the order below does not matter (tests/web/test_routes.py checks it).
    for resource in (lists, paper, people, search, collections, for_you, account):
        app.include_router(resource.router)
    for router in (
        subscriptions.router,
        mailbox.router,
        docs.router,
        feed_preview.router,
        thumbnails.router,
    ):
        app.include_router(router)
    return app


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.endswith((".json", ".md"))


async def _error_viewer(request: Request, status: int) -> Viewer | None:
    """Who sees an error page (503: the database is down or busy, so nobody is looked up)."""
    return None if status == 503 else await run_in_threadpool(error_viewer, request)


def _install_error_handlers(app: FastAPI) -> None:
    app.exception_handler(PageRefusal)(render_refusal)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={exc.next_path}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if _wants_json(request):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=headers)
        context = {"status": exc.status_code, "message": exc.detail}
        viewer = await _error_viewer(request, exc.status_code)
        response = render(
            request, "error.html", context, status_code=exc.status_code, viewer=viewer
        )
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(405)  # Starlette's own: it names only the first route's methods
    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        allow = {"Allow": allowed_methods(app, request)}
        return await http_error(request, HTTPException(405, "Method Not Allowed", headers=allow))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'][1:]) or 'request'}: {error['msg']}"
            for error in exc.errors()
        )
        if _wants_json(request) or "/feed." in request.url.path:  # feed readers read JSON
            return JSONResponse({"error": problems}, status_code=422)
        context = {"status": 422, "message": problems}
        viewer = await _error_viewer(request, 422)
        return render(request, "error.html", context, status_code=422, viewer=viewer)

    faults.install(app, http_error)  # database down, read-only or full: 503 + Retry-After


def describe_contract(app: FastAPI) -> None:
    """/openapi.json with what the routes accept beyond their types (web/contract.py)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if not getattr(app.state, "contract_described", False):
            app.openapi_schema = describe(build())
            app.state.contract_described = True
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """The app built from the environment: for `uvicorn --factory` and multi-process serving."""
    from dailypapers.settings import get_settings

    return create_app(get_settings())
