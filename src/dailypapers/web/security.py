"""CSRF tokens, security headers and the session cookie's attributes."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Literal, TypedDict

from fastapi import HTTPException, Request, Response

CSRF_COOKIE = "dp_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_COOKIE = "dp_session"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
# FastAPI's /docs page loads its own inline bootstrap script and CDN assets.
_DOCS_PATHS = ("/docs", "/redoc")


class CookieOptions(TypedDict):
    httponly: bool
    samesite: Literal["lax", "strict", "none"]
    secure: bool
    path: str


def cookie_options(request: Request) -> CookieOptions:
    secure = request.app.state.settings.base_url.startswith("https://")
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/"}


async def security_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Give every visitor a CSRF token cookie and every answer the security headers."""
    token = request.cookies.get(CSRF_COOKIE)
    fresh = not token or len(token) != 43
    request.state.csrf_token = secrets.token_urlsafe(32) if fresh else token
    response = await call_next(request)
    if fresh:
        response.set_cookie(
            CSRF_COOKIE,
            request.state.csrf_token,
            max_age=60 * 60 * 24 * 365,
            **cookie_options(request),
        )
    for name, value in SECURITY_HEADERS.items():
        if name == "Content-Security-Policy" and request.url.path.startswith(_DOCS_PATHS):
            continue
        response.headers.setdefault(name, value)
    return response


def csrf_token(request: Request) -> str:
    return str(request.state.csrf_token)


async def verify_csrf(request: Request) -> None:
    """A dependency for form routes: the submitted token must match the visitor's cookie."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    submitted = request.headers.get(CSRF_HEADER, "")
    if not submitted and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        submitted = str(form.get(CSRF_FIELD, ""))
    if not expected or not hmac.compare_digest(expected, submitted):
        raise HTTPException(
            status_code=403,
            detail="The form's security token is missing or stale. Reload the page and retry.",
        )
