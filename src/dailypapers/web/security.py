"""CSRF tokens, security headers and the session cookie's attributes.

Over https (a BASE_URL starting with https://, as production should be) cookies are Secure and
named with the `__Host-` prefix (the browser then refuses them from any other host or path,
or without TLS), and every answer carries Strict-Transport-Security.

A form's CSRF token is an HMAC, under `SECRET_KEY`, of what the visitor's browser holds: the
session cookie when signed in, else a random visitor id in the `dp_csrf` cookie. Someone who
can plant a cookie (a sibling subdomain) cannot make a matching token without the key, and
a token from one session is worthless in another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Literal, TypedDict

from fastapi import FastAPI, HTTPException, Request, Response

from dailypapers.web.answer_head import AnswerHead
from dailypapers.web.private import apply_private_rule, share_anonymous_page
from dailypapers.web.server_error import server_error

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
HOST_PREFIX = "__Host-"  # Secure, Path=/, no Domain: only this host over TLS can set it
HSTS = "max-age=31536000"  # one year; not includeSubDomains: other hosts may share the domain
# FastAPI's /docs page loads its own inline bootstrap script and CDN assets.
_DOCS_PATHS = ("/docs", "/redoc")


class CookieOptions(TypedDict):
    httponly: bool
    samesite: Literal["lax", "strict", "none"]
    secure: bool
    path: str


def is_https(request: Request) -> bool:
    """`BASE_URL` is https, or (when unset, in development) this request came by https."""
    base = str(request.app.state.settings.base_url) or request.url.scheme + "://"
    return base.startswith("https://")


def cookie_options(request: Request) -> CookieOptions:
    return {"httponly": True, "samesite": "lax", "secure": is_https(request), "path": "/"}


def cookie_name(request: Request, name: str) -> str:
    """`name` (SESSION_COOKIE, CSRF_COOKIE) as this site spells it: `__Host-` over https."""
    return HOST_PREFIX + name if is_https(request) else name


def install_security(app: FastAPI) -> None:
    """Every visitor gets a random id for CSRF tokens and every answer the security headers
    (`web/answer_head.py`: the headers are edited, the body passes untouched)."""
    app.add_middleware(AnswerHead, before=_note_visitor, edit=_secure_head, on_error=server_error)


def _note_visitor(request: Request) -> None:
    visitor = request.cookies.get(cookie_name(request, CSRF_COOKIE))
    fresh = not visitor or len(visitor) != 43
    request.state.csrf_fresh = fresh
    request.state.csrf_visitor = secrets.token_urlsafe(32) if fresh else visitor


def _secure_head(request: Request, response: Response) -> None:
    """The `dp_csrf` cookie is set only on answers that rendered a token (`csrf_token`): a
    page without one is the same for every anonymous reader, so it is made public
    (`share_anonymous_page`) and a proxy may keep it; a public answer never carries a cookie,
    as a proxy must not store one visitor's id for the next."""
    rendered = bool(getattr(request.state, "csrf_rendered", False))
    signed_in = cookie_name(request, SESSION_COOKIE) in request.cookies
    if not rendered:
        share_anonymous_page(request, response, signed_in=signed_in)
    elif request.state.csrf_fresh and not response.headers.get("cache-control", "").startswith(
        "public"
    ):
        response.set_cookie(
            cookie_name(request, CSRF_COOKIE),
            request.state.csrf_visitor,
            max_age=60 * 60 * 24 * 365,
            **cookie_options(request),
        )
    app_cache = getattr(request.state, "app_cache", None)  # set by web/cache.py
    if app_cache:
        response.headers["X-App-Cache"] = app_cache
    for name, value in SECURITY_HEADERS.items():
        if name == "Content-Security-Policy" and request.url.path.startswith(_DOCS_PATHS):
            continue
        response.headers.setdefault(name, value)
    if is_https(request):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    apply_private_rule(request, response, signed_in=signed_in)


def bind_csrf_to_session(request: Request, session_token: str) -> None:
    """A route that starts a session and renders a page in the same answer: its forms must
    carry tokens for the new session cookie, not the one the request came with."""
    request.state.csrf_session = session_token


def _binding(request: Request) -> str:
    session_token = getattr(request.state, "csrf_session", None) or request.cookies.get(
        cookie_name(request, SESSION_COOKIE)
    )
    if session_token:
        return f"session:{session_token}"
    return f"visitor:{getattr(request.state, 'csrf_visitor', '')}"


def csrf_token(request: Request) -> str:
    """The token forms of this page carry: an HMAC of the session (or visitor id).

    Called while a page renders: the answer then sets the visitor's `dp_csrf` cookie (when
    new) and is never public."""
    request.state.csrf_rendered = True
    return _expected_token(request)


def _expected_token(request: Request) -> str:
    key = request.app.state.settings.secret_key.encode()
    digest = hmac.new(key, b"dailypapers.csrf|" + _binding(request).encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


async def verify_csrf(request: Request) -> None:
    """A dependency for form routes: the submitted token must be this session's HMAC."""
    if request.method not in UNSAFE_METHODS:
        return
    submitted = request.headers.get(CSRF_HEADER, "")
    if not submitted and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        submitted = str(form.get(CSRF_FIELD, ""))
    if not submitted or not hmac.compare_digest(_expected_token(request), submitted):
        raise HTTPException(
            status_code=403,
            detail="The form's security token is missing or stale. Reload the page and retry.",
        )
