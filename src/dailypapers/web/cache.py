"""Answers cached per query and per the versions they show, with ETag and Last-Modified.

Every request reads the stamp of its answer (changes/version.py: the site version, which
database triggers move on every listed write but votes, and the sum of the vote counters the
answer shows: a paper's, a range of listing days', or all votes), one or two primary-key
lookups. A cached body is used only under the stamp it was rendered at, so a change made
through any process is seen by the next request of every process, while a vote leaves the
answers about other papers and other days cached. The ETag is derived from the stamp and the
query, so a matching If-None-Match is answered 304 before anything is rendered.

Answers that also depend on the clock (trending) add a time bucket to their key.

`DAILYPAPERS_VOTE_GRACE_SECONDS` (0: off) lets anonymous requests take a kept answer for
that long after it was rendered even when votes moved its stamp since, the way the proxy's
`max-age` already does: under a stream of votes the popular pages are then rendered about
once per grace period and process instead of after every vote. A site version change
still empties the cache at once, and signed-in viewers, API tokens and private pages
(`web/private.py`) always get the exact answer, so a voter sees their own vote.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from dailypapers.changes.version import (
    ALL_VOTES,
    Stamp,
    VoteScope,
    current_stamp,
    read_shown,
    read_stamp,
)
from dailypapers.web.cache_control import shared_answer
from dailypapers.web.kept_answers import Kept, Rendered, ResponseCache
from dailypapers.web.private import is_private
from dailypapers.web.reads import reader
from dailypapers.web.security import SESSION_COOKIE, cookie_name
from dailypapers.web.validators import etag_matches, validators

T = TypeVar("T")


def response_cache(request: Request) -> ResponseCache:
    """The app's cache, built by `create_app`."""
    cache: ResponseCache = request.app.state.response_cache
    return cache


@dataclass(frozen=True, slots=True)
class RequestCache:
    """The app's response cache as a route receives it (`web.deps.CacheDep`)."""

    request: Request
    store: ResponseCache

    def value(
        self,
        session: Session,
        key: tuple[Hashable, ...],
        compute: Callable[[], T],
        *,
        ttl: float | None = None,
        votes: VoteScope = ALL_VOTES,
        size: Callable[[T], int] | None = None,
    ) -> T:
        """`cached_value` for this request (`votes`: the votes the value shows)."""
        return cached_value(self.request, session, key, compute, ttl=ttl, votes=votes, size=size)

    async def serve(
        self,
        key: tuple[Hashable, ...],
        render: Callable[[Session], Rendered],
        *,
        ttl: float | None = None,
        votes: VoteScope = ALL_VOTES,
    ) -> Response:
        """`serve_cached` for this request (`votes`: the votes the answer shows)."""
        return await serve_cached(self.request, key, render, ttl=ttl, votes=votes)


def request_cache(request: Request) -> RequestCache:
    return RequestCache(request, response_cache(request))


def cached_value(
    request: Request,
    session: Session,
    key: tuple[Hashable, ...],
    compute: Callable[[], T],
    *,
    ttl: float | None = None,
    votes: VoteScope = ALL_VOTES,
    size: Callable[[T], int] | None = None,
) -> T:
    """A page's data (e.g. a `PaperList`) cached per query and the versions it shows.

    For HTML pages that render per visitor (their CSRF token, their votes) from data that
    is the same for everyone. The value is shared between requests: treat it as read-only.
    `votes` names the votes the data shows (all of them unless said otherwise); `size`
    estimates the memory a value holds (the cache's bound counts it).
    """
    stamp = current_stamp(session, votes)
    cache = response_cache(request)
    key = ("value", *_timed(key, ttl, cache.clock))
    found = cache.lookup(stamp, key, stale_ok=_stale_ok(cache, request))
    _note(request, found)
    if found is None:
        value = compute()
        cache.put(stamp, key, value, size=None if size is None else size(value))
        return value
    return found[1]  # type: ignore[no-any-return]


def cached(
    request: Request,
    session: Session,
    key: tuple[Hashable, ...],
    render: Callable[[], Rendered],
    *,
    ttl: float | None = None,
    votes: VoteScope = ALL_VOTES,
    shared: bool = False,
) -> Response:
    """The answer for `key` at the current stamp: 304, from the cache, or rendered now.

    For sync routes that have a session. `key` must name everything the answer depends on
    besides the database (route and query parameters); `ttl` adds a clock bucket for
    answers that change with time alone; `votes` names the votes the answer shows;
    `shared`: the answer is the same for every anonymous reader (public for them).
    """
    cache = response_cache(request)
    key = _timed(key, ttl, cache.clock)
    if votes.shown:  # before: in this session's snapshot, the one `render` reads
        return _shown_answer(request, key, current_stamp(session, ALL_VOTES), render)
    stamp = current_stamp(session, votes)
    answer, headers = _kept_answer(request, cache, stamp, key, shared=shared)
    if answer is not None:
        return answer
    rendered = render()
    request.state.app_cache = "miss"  # whatever data `render` took from the cache
    if rendered.keep:
        cache.put(stamp, key, rendered)
    return _response(rendered, headers)


async def serve_cached(
    request: Request,
    key: tuple[Hashable, ...],
    render: Callable[[Session], Rendered],
    *,
    ttl: float | None = None,
    votes: VoteScope = ALL_VOTES,
) -> Response:
    """Like `cached`, for async routes.

    The stamp is read in the thread pool (one or two primary-key lookups); only a miss
    renders, in the thread pool too, with a session of its own opened after the stamp was
    read, so what is cached is at least as new as its stamp.
    """
    cache = response_cache(request)
    if votes.shown:
        engine, sessions = reader(request).engine, reader(request).sessions
        before = await run_in_threadpool(read_stamp, engine, ALL_VOTES)
        return await run_in_threadpool(  # rendered with a session opened after `before`
            _shown_answer,
            request,
            _timed(key, ttl, cache.clock),
            before,
            lambda: _render(sessions, render),
        )
    # In the thread pool: when sync routes hold every pooled connection, waiting for one
    # on the event loop would stall every request of this process.
    stamp = await run_in_threadpool(_read_stamp, request, votes)
    key = _timed(key, ttl, cache.clock)
    answer, headers = _kept_answer(request, cache, stamp, key, shared=True)
    if answer is not None:
        return answer
    rendered = await run_in_threadpool(_render, reader(request).sessions, render)
    cache.put(stamp, key, rendered)
    return _response(rendered, headers)


def _kept_answer(
    request: Request, cache: ResponseCache, stamp: Stamp, key: tuple[Hashable, ...], *, shared: bool
) -> tuple[Response | None, dict[str, str]]:
    """A 304 or the kept answer (None: render one), and the headers of the answer given;
    with `shared`, the Cache-Control of an answer a proxy may keep."""
    found = cache.lookup(stamp, key, stale_ok=_stale_ok(cache, request))
    headers = validators(found[0] if found else stamp, key)
    if shared:
        headers["Cache-Control"] = shared_answer(request)
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        request.state.app_cache = "hit"  # answered without rendering
        return Response(status_code=304, headers=headers), headers
    _note(request, found)
    return (None if found is None else _response(found[1], headers)), headers


def _shown_answer(
    request: Request,
    key: tuple[Hashable, ...],
    before: Stamp,
    render: Callable[[], Rendered],
) -> Response:
    """The answer for `key` when it is stale only once a paper it shows got a vote (or the
    site changed): its papers are known once it is rendered (`Rendered.shows`), so a kept
    answer is checked against their versions, and a new one is kept only when no vote at all
    was committed between `before` (all votes, read before rendering) and the end of
    `render` (then the versions read after it are its own). Public for anonymous readers.
    """
    engine = reader(request).engine
    cache = response_cache(request)
    stale_ok = _stale_ok(cache, request)
    kept = cache.peek(before.site, key, where="process")  # the node's is read below, once
    for candidate in _ours_then_the_nodes(cache, before.site, key, kept):
        if stale_ok and cache.young(candidate):
            cache.count(hit=True)  # within the grace period: no need to read its votes
            return _answer(request, "hit", candidate.value, candidate.stamp, key)
        _, stamp = read_shown(engine, candidate.value.shows)
        if (stamp.site, stamp.votes) == (candidate.stamp.site, candidate.stamp.votes):
            cache.count(hit=True)
            return _answer(request, "hit", candidate.value, stamp, key)
    cache.count(hit=False)
    found = render()
    request.state.app_cache = "miss"  # whatever data `render` took from the cache
    if not found.keep:
        return _response(found, {})
    votes, stamp = read_shown(engine, found.shows)
    if (stamp.site, votes) != (before.site, before.votes):  # a write landed meanwhile
        return _response(found, {"Cache-Control": shared_answer(request)})  # no validator
    cache.put(stamp, key, found)
    return _answer(request, "miss", found, stamp, key)


def _ours_then_the_nodes(
    cache: ResponseCache, site: int, key: tuple[Hashable, ...], kept: Kept | None
) -> Iterator[Kept]:
    """The answer this process kept, then (read only if that one is stale or missing) the
    one this node's processes share, when it is another."""
    if kept is not None:
        yield kept
    shared = cache.peek(site, key, where="node")
    if shared is not None and (kept is None or shared.stamp != kept.stamp):
        yield shared


def _answer(
    request: Request, note: str, found: Rendered, stamp: Stamp, key: tuple[Hashable, ...]
) -> Response:
    request.state.app_cache = note
    headers = validators(stamp, key) | {"Cache-Control": shared_answer(request)}
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return _response(found, headers)


def may_be_stale(request: Request) -> bool:
    """Whether this request may take an answer from before the latest votes (within the
    grace period): only anonymous, public requests; never a viewer, a token or a writer."""
    signed_in = cookie_name(request, SESSION_COOKIE) in request.cookies
    return not is_private(request, signed_in=signed_in)


def _stale_ok(cache: ResponseCache, request: Request) -> bool:
    return cache.vote_grace > 0 and may_be_stale(request)


def _note(request: Request, found: object) -> None:
    """Say whether this process's cache had the answer (`X-App-Cache`, for benchmarks)."""
    request.state.app_cache = "miss" if found is None else "hit"


def _read_stamp(request: Request, votes: VoteScope) -> Stamp:
    return read_stamp(reader(request).engine, votes)  # a replica's for reads (web/reads.py)


def _render(sessions: sessionmaker[Session], render: Callable[[Session], Rendered]) -> Rendered:
    with sessions() as session, session.begin():
        return render(session)


def _timed(
    key: tuple[Hashable, ...], ttl: float | None, clock: Callable[[], float]
) -> tuple[Hashable, ...]:
    return (*key, int(clock() // ttl)) if ttl else key


def _response(found: Rendered, headers: dict[str, str]) -> Response:
    return Response(
        content=found.body, media_type=found.media_type, headers={**headers, **dict(found.headers)}
    )
