"""A database that is down, read-only, full or out of free connections answers 503 with
Retry-After, never a 500.

PostgreSQL restarting: the request fails at once (connections are checked before use, and
a dead one raises), and the next request after the restart gets a fresh connection. SQLite
on a read-only or full disk: reads go on; a write names the problem.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from dailypapers.db.errors import is_unavailable, unavailable_message

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


def install(
    app: FastAPI, http_error: Callable[[Request, HTTPException], Awaitable[Response]]
) -> None:
    """Register the handler; `http_error` renders it like every other HTTP error."""

    @app.exception_handler(PoolTimeout)
    async def database_busy(request: Request, exc: PoolTimeout) -> Response:
        log.error("no free database connection for %s %s", request.method, request.url.path)
        message = "The database is too busy right now. Try again in a few seconds."
        error = HTTPException(503, message, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        return await http_error(request, error)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> Response:
        if not is_unavailable(exc):
            raise exc
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        message = f"{unavailable_message(exc)} Try again in a few seconds."
        error = HTTPException(503, message, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        return await http_error(request, error)
