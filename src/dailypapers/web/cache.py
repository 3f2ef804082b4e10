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

from fastapi import Request, Response
from sqlalchemy.orm import Session

from dailypapers import __version__
from dailypapers.changes.version import Version, current_version

MAX_ENTRIES = 1024
clock = time.time  # replaced in tests
_create_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()  # extra headers kept with the body


class ResponseCache:
    """A bounded LRU of rendered answers for one version at a time (per process)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self.version = -1
        self._entries: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, version: int, key: Hashable) -> Rendered | None:
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

    def put(self, version: int, key: Hashable, value: Rendered) -> None:
        with self._lock:
            if version != self.version:
                return  # rendered under another version than the one cached now
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def _start(self, version: int) -> None:
        self.misses += 1
        if version > self.version:  # newer: older entries can never be used again
            self.version = version
            self._entries.clear()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def response_cache(request: Request) -> ResponseCache:
    """The app's cache, made on first use."""
    state = request.app.state
    cache = getattr(state, "response_cache", None)
    if cache is None:
        with _create_lock:
            cache = getattr(state, "response_cache", None)
            if cache is None:
                cache = state.response_cache = ResponseCache()
    return cache


def cached(
    request: Request,
    session: Session,
    key: tuple[Hashable, ...],
    render: Callable[[], Rendered],
    *,
    ttl: float | None = None,
) -> Response:
    """The answer for `key` at the current version: 304, from the cache, or rendered now.

    `key` must name everything the answer depends on besides the database (route and query
    parameters); `ttl` adds a clock bucket for answers that change with time alone.
    """
    version = current_version(session)
    if ttl:
        key = (*key, int(clock() // ttl))
    headers = validators(version, key)
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    cache = response_cache(request)
    found = cache.get(version.number, key)
    if found is None:
        found = render()
        cache.put(version.number, key, found)
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
