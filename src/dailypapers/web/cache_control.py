"""Who may keep an answer: the one place that writes `Cache-Control` for cached answers.

Answers rendered once for everyone (API reads, feeds: `web/cache.py`'s `serve_cached`) are
`public` for anonymous requests, so nginx's `proxy_cache` or a CDN serves most anonymous
traffic for `DAILYPAPERS_PUBLIC_MAX_AGE_SECONDS` and revalidates with the ETag after that
(`stale-while-revalidate` lets a proxy answer from its copy while it does). A request that
carries a session cookie or an API token gets `private`: nothing for a signed-in viewer is
kept by a shared cache. HTML pages are never public: they carry the visitor's CSRF token.
"""

from __future__ import annotations

from fastapi import Request

from dailypapers.web.security import SESSION_COOKIE

PRIVATE = "private, no-cache"


def signed_in(request: Request) -> bool:
    """Whether the request names a viewer (session cookie or Bearer token)."""
    return SESSION_COOKIE in request.cookies or "authorization" in request.headers


def shared_answer(request: Request) -> str:
    """`Cache-Control` for an answer that is the same for every viewer."""
    max_age = request.app.state.settings.public_max_age_seconds
    if max_age <= 0 or signed_in(request):
        return PRIVATE
    return f"public, max-age={max_age}, stale-while-revalidate={2 * max_age}"
