"""`Cache-Control` for answers rendered once for everyone: public for anonymous requests.

Answers the same for every viewer (API reads, feeds: `web/cache.py`'s `serve_cached`) are
`public` for anonymous requests, so nginx's `proxy_cache` or a CDN serves most anonymous
traffic for `DAILYPAPERS_PUBLIC_MAX_AGE_SECONDS` and revalidates with the ETag after that
(`stale-while-revalidate` lets a proxy answer from its copy while it does). Whatever
`web/private.py` calls private (a signed-in viewer, an API token, account pages) is never
public: that rule decides here too, and runs again last on every answer. HTML pages are
public only when they carry no CSRF token (`private.share_anonymous_page`).
"""

from __future__ import annotations

from fastapi import Request

from dailypapers.web.private import PRIVATE, is_private, public_for
from dailypapers.web.security import SESSION_COOKIE, cookie_name


def shared_answer(request: Request) -> str:
    """`Cache-Control` for an answer that is the same for every viewer."""
    max_age = request.app.state.settings.public_max_age_seconds
    signed_in = cookie_name(request, SESSION_COOKIE) in request.cookies
    if max_age <= 0 or is_private(request, signed_in=signed_in):
        return PRIVATE
    return public_for(max_age)
