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

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

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
from dailypapers.web.private import is_private
from dailypapers.web.reads import reader
from dailypapers.web.security import SESSION_COOKIE, cookie_name
from dailypapers.web.validators import etag_matches, validators

MAX_ENTRIES = 8192  # a vote no longer empties the cache: room for every paper of a busy day
MAX_BYTES = 64 * 1024 * 1024  # rendered bodies kept per process
VALUE_BYTES = 32 * 1024  # what a cached page's data (not a body) is counted as
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()  # extra headers kept with the body
    shows: tuple[str, ...] = ()  # keys of the papers whose votes it shows (SHOWN_VOTES)
    keep: bool = True  # False: an answer for this request only (`cached` does not keep it)


@dataclass(frozen=True, slots=True)
class Kept:
    stamp: Stamp
    value: Any
    stored_at: float  # by the cache's clock


class ResponseCache:
    """A bounded LRU of rendered answers, each kept with its stamp (per process).

    A newer site version empties it (nothing rendered before can be used again); a newer
    vote stamp replaces only the answer it belongs to.
    """

    def __init__(
        self,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
        clock: Callable[[], float] = time.time,
        vote_grace: float = 0.0,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.site = -1
        self._entries: OrderedDict[Hashable, Kept] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.clock = clock  # what answers with a ttl age by (trending), and the grace
        self.vote_grace = vote_grace  # seconds an anonymous request may see older votes

    def get(self, stamp: Stamp, key: Hashable) -> Any:
        found = self.lookup(stamp, key, stale_ok=False)
        return found[1] if found is not None else None

    def lookup(self, stamp: Stamp, key: Hashable, *, stale_ok: bool) -> tuple[Stamp, Any] | None:
        """The answer kept for `key` and the stamp it was rendered at, if usable at `stamp`.

        Usable: rendered at the same stamp, or (`stale_ok`) under the same site version less
        than `vote_grace` seconds ago. Counts a hit or a miss.
        """
        found = self._find(stamp.site, key)
        usable = found is not None and (
            found.stamp.votes == stamp.votes or (stale_ok and self.young(found))
        )
        self.count(hit=usable)
        return (found.stamp, found.value) if found is not None and usable else None

    def young(self, entry: Kept) -> bool:
        """Rendered less than the grace period ago (never, without a grace period)."""
        return self.vote_grace > 0 and self.clock() - entry.stored_at < self.vote_grace

    def peek(self, site: int, key: Hashable) -> Kept | None:
        """The answer kept for `key` under `site` with its stamp; counts nothing."""
        return self._find(site, key)

    def _find(self, site: int, key: Hashable) -> Kept | None:
        with self._lock:
            if site != self.site:
                self._start(site)
                return None
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def count(self, *, hit: bool) -> None:
        with self._lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1

    def put(self, stamp: Stamp, key: Hashable, value: object) -> None:
        with self._lock:
            if stamp.site != self.site:
                return  # rendered under another site version than the one cached now
            if key in self._entries:
                kept = self._entries[key]
                if kept.stamp.votes > stamp.votes:
                    return  # a newer answer is kept already (rendered by a faster request)
                self.bytes -= _size(self._entries.pop(key).value)
            self._entries[key] = Kept(stamp, value, self.clock())
            self.bytes += _size(value)
            while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                self.bytes -= _size(self._entries.popitem(last=False)[1].value)

    def _start(self, site: int) -> None:
        if site > self.site:  # newer: older entries can never be used again
            self.site = site
            self._entries.clear()
            self.bytes = 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0


def _size(value: object) -> int:
    return len(value.body) if isinstance(value, Rendered) else VALUE_BYTES


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
    ) -> T:
        """`cached_value` for this request (`votes`: the votes the value shows)."""
        return cached_value(self.request, session, key, compute, ttl=ttl, votes=votes)

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
) -> T:
    """A page's data (e.g. a `PaperList`) cached per query and the versions it shows.

    For HTML pages that render per visitor (their CSRF token, their votes) from data that
    is the same for everyone. The value is shared between requests: treat it as read-only.
    `votes` names the votes the data shows (all of them unless said otherwise).
    """
    stamp = current_stamp(session, votes)
    cache = response_cache(request)
    key = ("value", *_timed(key, ttl, cache.clock))
    found = cache.lookup(stamp, key, stale_ok=_stale_ok(cache, request))
    _note(request, found)
    if found is None:
        value = compute()
        cache.put(stamp, key, value)
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
    stamp = current_stamp(session, votes)
    cache = response_cache(request)
    key = _timed(key, ttl, cache.clock)
    answer, headers = _kept_answer(request, cache, stamp, key, shared=shared)
    if answer is not None:
        return answer
    rendered = render()
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
        return await _serve_shown(request, _timed(key, ttl, cache.clock), render)
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


async def _serve_shown(
    request: Request, key: tuple[Hashable, ...], render: Callable[[Session], Rendered]
) -> Response:
    """`serve_cached` for an answer stale only when a paper it shows got a vote (or the site
    changed): its papers are known once it is rendered (`Rendered.shows`), so a kept answer
    is checked against their versions, and a new one is kept only when no vote at all was
    committed while it was rendered (then the versions read after it are its own)."""
    engine = reader(request).engine
    before = await run_in_threadpool(read_stamp, engine, ALL_VOTES)
    cache = response_cache(request)
    kept = cache.peek(before.site, key)
    if kept is not None and _stale_ok(cache, request) and cache.young(kept):
        cache.count(hit=True)  # within the grace period: no need to read its papers' votes
        return _answer(request, "hit", kept.value, kept.stamp, key)
    if kept is not None:
        _, stamp = await run_in_threadpool(read_shown, engine, kept.value.shows)
        if (stamp.site, stamp.votes) == (kept.stamp.site, kept.stamp.votes):
            cache.count(hit=True)
            return _answer(request, "hit", kept.value, stamp, key)
    cache.count(hit=False)
    found = await run_in_threadpool(_render, reader(request).sessions, render)
    votes, stamp = await run_in_threadpool(read_shown, engine, found.shows)
    if (stamp.site, votes) != (before.site, before.votes):  # a write landed meanwhile
        request.state.app_cache = "miss"
        return _response(found, {"Cache-Control": shared_answer(request)})  # no validator
    cache.put(stamp, key, found)
    return _answer(request, "miss", found, stamp, key)


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
