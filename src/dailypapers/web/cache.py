"""Answers cached per query and per site version, with ETag and Last-Modified.

Every request reads the site version (one primary-key lookup; database triggers move it on
every write to a listed table, from any process). A cached body is used only under the
version it was rendered at, so a vote or a submission made through any process is seen by
the next request of every process. The ETag is derived from the version and the query, so
a matching If-None-Match is answered 304 before anything is rendered.

Answers that also depend on the clock (trending) add a time bucket to their key.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Any, TypeVar

from fastapi import Request, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from dailypapers import __version__
from dailypapers.changes.version import Version, current_version, read_version
from dailypapers.web.cache_control import shared_answer
from dailypapers.web.reads import reader

MAX_ENTRIES = 512
MAX_BYTES = 64 * 1024 * 1024  # rendered bodies kept per process
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()  # extra headers kept with the body


class ResponseCache:
    """A bounded LRU of rendered answers for one version at a time (per process)."""

    def __init__(
        self,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.version = -1
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.clock = clock  # what answers with a ttl age by (trending)

    def get(self, version: int, key: Hashable) -> Any:
        with self._lock:
            if version != self.version:
                self._start(version)
                return None
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, version: int, key: Hashable, value: object) -> None:
        with self._lock:
            if version != self.version:
                return  # rendered under another version than the one cached now
            if key in self._entries:
                self.bytes -= _size(self._entries.pop(key))
            self._entries[key] = value
            self.bytes += _size(value)
            while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                self.bytes -= _size(self._entries.popitem(last=False)[1])

    def _start(self, version: int) -> None:
        self.misses += 1
        if version > self.version:  # newer: older entries can never be used again
            self.version = version
            self._entries.clear()
            self.bytes = 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0


def _size(value: object) -> int:
    return len(value.body) if isinstance(value, Rendered) else 0


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
    ) -> T:
        """`cached_value` for this request."""
        return cached_value(self.request, session, key, compute, ttl=ttl)

    async def serve(
        self,
        key: tuple[Hashable, ...],
        render: Callable[[Session], Rendered],
        *,
        ttl: float | None = None,
    ) -> Response:
        """`serve_cached` for this request."""
        return await serve_cached(self.request, key, render, ttl=ttl)


def request_cache(request: Request) -> RequestCache:
    return RequestCache(request, response_cache(request))


def cached_value(
    request: Request,
    session: Session,
    key: tuple[Hashable, ...],
    compute: Callable[[], T],
    *,
    ttl: float | None = None,
) -> T:
    """A page's data (e.g. a `PaperList`) cached per query and site version.

    For HTML pages that render per visitor (their CSRF token, their votes) from data that
    is the same for everyone. The value is shared between requests: treat it as read-only.
    """
    version = current_version(session)
    cache = response_cache(request)
    key = ("value", *_timed(key, ttl, cache.clock))
    found = cache.get(version.number, key)
    _note(request, found)
    if found is None:
        found = compute()
        cache.put(version.number, key, found)
    return found  # type: ignore[no-any-return]


def cached(
    request: Request,
    session: Session,
    key: tuple[Hashable, ...],
    render: Callable[[], Rendered],
    *,
    ttl: float | None = None,
) -> Response:
    """The answer for `key` at the current version: 304, from the cache, or rendered now.

    For sync routes that have a session. `key` must name everything the answer depends on
    besides the database (route and query parameters); `ttl` adds a clock bucket for
    answers that change with time alone.
    """
    version = current_version(session)
    cache = response_cache(request)
    key = _timed(key, ttl, cache.clock)
    headers = validators(version, key)
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        request.state.app_cache = "hit"  # answered without rendering
        return Response(status_code=304, headers=headers)
    found = cache.get(version.number, key)
    _note(request, found)
    if found is None:
        found = render()
        cache.put(version.number, key, found)
    return _response(found, headers)


async def serve_cached(
    request: Request,
    key: tuple[Hashable, ...],
    render: Callable[[Session], Rendered],
    *,
    ttl: float | None = None,
) -> Response:
    """Like `cached`, for async routes.

    The version is read in the thread pool (one primary-key lookup); only a miss renders,
    in the thread pool too, with a session of its own opened after the version was read, so what is
    cached is at least as new as its version.
    """
    # In the thread pool: when sync routes hold every pooled connection, waiting for one
    # on the event loop would stall every request of this process.
    version = await run_in_threadpool(_read_version, request)
    cache = response_cache(request)
    key = _timed(key, ttl, cache.clock)
    headers = validators(version, key) | {"Cache-Control": shared_answer(request)}
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        request.state.app_cache = "hit"  # answered without rendering
        return Response(status_code=304, headers=headers)
    found = cache.get(version.number, key)
    _note(request, found)
    if found is None:
        found = await run_in_threadpool(_render, reader(request).sessions, render)
        cache.put(version.number, key, found)
    return _response(found, headers)


def _note(request: Request, found: object) -> None:
    """Say whether this process's cache had the answer (`X-App-Cache`, for benchmarks)."""
    request.state.app_cache = "miss" if found is None else "hit"


def _read_version(request: Request) -> Version:
    return read_version(reader(request).engine)  # a replica's for reads (web/reads.py)


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


def validators(version: Version, key: tuple[Hashable, ...]) -> dict[str, str]:
    """ETag, Last-Modified and Cache-Control for an answer; the same in every process."""
    digest = hashlib.sha256(f"{__version__}|{version.number}|{key!r}".encode()).hexdigest()
    return {
        "ETag": f'"{digest[:32]}"',
        "Last-Modified": format_datetime(version.changed_at, usegmt=True),
        "Cache-Control": "no-cache",
    }


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match (weak comparison): any listed tag equal to `etag`.

    `*` is not honoured: the answer is not known to exist before it is rendered.
    """
    if not header:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in tags
