"""The one rule for answers that no shared cache may keep: `Cache-Control: private, no-store`.

An answer is private when
- the request carries a session cookie or an `Authorization` header (a signed-in viewer);
- its path is an account, subscription, password-reset, unsubscribe or admin page;
- or its route called `mark_private` (a private collection, shown only to its owner).

HTML pages show who is signed in, so every HTML answer also gets `Vary: Cookie`.
This rule runs last (in the security middleware) and overrides any public Cache-Control that
a route or a caching layer set for anonymous answers.

An HTML page that rendered no CSRF token for an anonymous reader (lists, papers, search,
organizations, authors: anonymous readers get no token-bearing forms) is the same for every
such reader: `share_anonymous_page` makes it public for `DAILYPAPERS_PUBLIC_MAX_AGE_SECONDS`,
so nginx's `proxy_cache` serves it to the next anonymous readers.
"""

from __future__ import annotations

from fastapi import Request, Response

PRIVATE = "private, no-store"
PRIVATE_PREFIXES = (
    "/settings",
    "/password/",
    "/subscribe",  # also /subscribe/confirm/{token}
    "/subscriptions/",
    "/unsubscribe/",
    "/admin/",
    "/login",
    "/signup",
    "/logout",
    "/submit",
    "/collections",
    "/for-you",
    "/api/for-you",
)


def mark_private(request: Request) -> None:
    """Call from a route whose answer belongs to one viewer."""
    request.state.private_answer = True


def is_private(request: Request, *, signed_in: bool) -> bool:
    return (
        signed_in
        or "authorization" in request.headers
        or request.url.path.startswith(PRIVATE_PREFIXES)
        or bool(getattr(request.state, "private_answer", False))
    )


def apply_private_rule(request: Request, response: Response, *, signed_in: bool) -> None:
    """`signed_in`: the request carries a session cookie (valid or not)."""
    if is_private(request, signed_in=signed_in):
        response.headers["Cache-Control"] = PRIVATE
    if response.headers.get("content-type", "").startswith("text/html"):
        vary = response.headers.get("Vary")
        if not vary:
            response.headers["Vary"] = "Cookie"
        elif "cookie" not in vary.lower():
            response.headers["Vary"] = f"{vary}, Cookie"


def share_anonymous_page(request: Request, response: Response, *, signed_in: bool) -> None:
    """Public `Cache-Control` for a 200 HTML page of a GET that rendered no token, when no
    rule made it private and it sets no cookie (called only for answers without a token)."""
    max_age = request.app.state.settings.public_max_age_seconds
    if (
        max_age <= 0
        or request.method not in ("GET", "HEAD")
        or response.status_code != 200
        or not response.headers.get("content-type", "").startswith("text/html")
        or "cache-control" in response.headers
        or "set-cookie" in response.headers
        or is_private(request, signed_in=signed_in)
    ):
        return
    response.headers["Cache-Control"] = public_for(max_age)


def public_for(max_age: int) -> str:
    """What a shared cache may keep for `max_age` s, then serve stale while it revalidates."""
    return f"public, max-age={max_age}, stale-while-revalidate={2 * max_age}"
