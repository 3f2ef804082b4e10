"""The last resort: an unexpected exception becomes a plain 500 page (or JSON), logged with
its traceback, and still passes through the security middleware (so it has the headers)."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from dailypapers.web.render import render

log = logging.getLogger(__name__)
MESSAGE = "Something went wrong on our side. It has been logged; please try again later."


def server_error(request: Request) -> Response:
    """Call from an `except` block: logs the current exception and answers 500."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    path = request.url.path
    if path.startswith("/api/") or path.endswith((".json", ".md")) or "/feed." in path:
        return JSONResponse({"error": MESSAGE}, status_code=500)
    try:
        return render(request, "error.html", {"status": 500, "message": MESSAGE}, status_code=500)
    except Exception:  # the page itself failed (e.g. the template): plain text
        log.exception("the error page failed too")
        return PlainTextResponse(MESSAGE, status_code=500)
