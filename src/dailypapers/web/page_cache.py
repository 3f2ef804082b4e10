"""HTML pages kept whole for anonymous readers.

A page that renders no form token (`web/security.py`) is the same for every anonymous
reader: it is kept whole in the process's response cache, under the versions it shows
(`web/cache.py`: the site version and the votes it shows), and answered with its ETag. A
cached page's data (`RequestCache.value`) spared the queries but not the rendering, most of
a page's cost (a day's list: about 25 ms of a 30 ms answer). Signed-in viewers, API tokens
and private pages still get the page rendered for them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from fastapi import Request, Response
from sqlalchemy.orm import Session

from dailypapers.changes.version import ALL_VOTES, VoteScope
from dailypapers.web.cache import cached, may_be_stale
from dailypapers.web.deps import absolute_base
from dailypapers.web.kept_answers import Rendered
from dailypapers.web.private import is_private

HTML = "text/html; charset=utf-8"


def anonymous_page(
    request: Request,
    session: Session,
    key: tuple[Hashable, ...],
    render: Callable[[], Response],
    *,
    ttl: float | None = None,
    votes: VoteScope = ALL_VOTES,
    shows: Callable[[], tuple[str, ...]] = tuple,
) -> Response:
    """The page `render` makes, from the cache for an anonymous reader when it was kept.

    `key` names what the page shows besides the request's path and query (which are always
    part of it) and the database; `votes` and `ttl` are as for `web.cache.cached` (with
    `SHOWN_VOTES`, `shows` names, after `render`, the papers whose votes the page shows).
    Only a 200 answer without a form token, not made private, is kept, with its `X-` headers.
    """
    if request.method not in ("GET", "HEAD") or not may_be_stale(request):
        return render()
    own: list[Response] = []  # an answer not to keep, given to this request as it is

    def whole() -> Rendered:
        page = render()
        state = request.state
        if (
            page.status_code != 200
            or getattr(state, "csrf_rendered", False)
            or is_private(request, signed_in=False)
        ):
            own.append(page)
            return Rendered(b"", HTML, keep=False)
        own_headers = tuple((k, v) for k, v in page.headers.items() if k.startswith("x-"))
        return Rendered(bytes(page.body), HTML, headers=own_headers, shows=shows())

    where = (request.url.path, request.url.query, absolute_base(request))
    answer = cached(
        request, session, ("page", *where, *key), whole, ttl=ttl, votes=votes, shared=True
    )
    return own[0] if own else answer
