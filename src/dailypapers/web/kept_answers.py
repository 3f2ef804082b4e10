"""The response cache's store: rendered answers and page data kept per process.

Each entry is kept with the stamp it was rendered at (`changes/version.py`); `web/cache.py`
decides per request whether a kept entry may answer it. With `serve --workers N`, rendered
answers are also kept in the node's shared folder (`web/node_cache.py`), so a page one
process rendered is an answer for all of them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Literal

from dailypapers.changes.version import Stamp
from dailypapers.web.node_cache import NodeCache

MAX_ENTRIES = 8192  # a vote no longer empties the cache: room for every paper of a busy day
MAX_BYTES = 64 * 1024 * 1024  # rendered bodies kept per process
# With the node's folder behind it (`node_cache.py`), a process keeps only its hottest
# answers in memory and reads the others from the folder (well under a millisecond).
MAX_BYTES_BESIDE_NODE = 16 * 1024 * 1024
VALUE_BYTES = 32 * 1024  # what a cached page's data (not a body) is counted as
Where = Literal["process", "node", "either"]  # which copy `ResponseCache.peek` reads


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
    size: int = 0  # bytes it is counted as (a body's length, or its data's estimate)


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
        node: NodeCache | None = None,
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
        self.node = node  # rendered answers shared with this node's other processes

    def get(self, stamp: Stamp, key: Hashable) -> Any:
        found = self.lookup(stamp, key, stale_ok=False)
        return found[1] if found is not None else None

    def lookup(self, stamp: Stamp, key: Hashable, *, stale_ok: bool) -> tuple[Stamp, Any] | None:
        """The answer kept for `key` and the stamp it was rendered at, if usable at `stamp`.

        Usable: rendered at the same stamp, or (`stale_ok`) under the same site version less
        than `vote_grace` seconds ago. Counts a hit or a miss.
        """
        found = self._find(stamp.site, key)
        usable = found is not None and self._usable(found, stamp, stale_ok=stale_ok)
        if not usable and self.node is not None:
            shared = self._from_node(stamp.site, key)
            if shared is not None and self._usable(shared, stamp, stale_ok=stale_ok):
                found, usable = shared, True
        self.count(hit=usable)
        return (found.stamp, found.value) if found is not None and usable else None

    def _usable(self, entry: Kept, stamp: Stamp, *, stale_ok: bool) -> bool:
        return entry.stamp.votes == stamp.votes or (stale_ok and self.young(entry))

    def _from_node(self, site: int, key: Hashable) -> Kept | None:
        """The answer another process of this node kept for `key` under `site`, now also
        kept in this process's memory."""
        assert self.node is not None
        found = self.node.get(key)
        if found is None or found.stamp.site != site:
            return None
        with self._lock:
            mine = self._entries.get(key)
            if site == self.site and (mine is None or mine.stamp.votes <= found.stamp.votes):
                self._keep(key, found)
        return found

    def young(self, entry: Kept) -> bool:
        """Rendered less than the grace period ago (never, without a grace period)."""
        return self.vote_grace > 0 and self.clock() - entry.stored_at < self.vote_grace

    def peek(self, site: int, key: Hashable, *, where: Where = "either") -> Kept | None:
        """The answer kept for `key` under `site` with its stamp; counts nothing. `where`:
        this process's memory, the copy this node's processes share (even when this
        process holds one), or either (the node's read only when this process holds none)."""
        if where == "node":
            return self._from_node(site, key) if self.node is not None else None
        found = self._find(site, key)
        if found is None and self.node is not None and where == "either":
            return self._from_node(site, key)
        return found

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

    def put(self, stamp: Stamp, key: Hashable, value: object, *, size: int | None = None) -> None:
        """Keep `value` for `key` at `stamp`; `size`: the bytes it holds in memory, when it
        is not a body (default: `VALUE_BYTES`)."""
        with self._lock:
            if stamp.site != self.site:
                return  # rendered under another site version than the one cached now
            kept = self._entries.get(key)
            if kept is not None and kept.stamp.votes > stamp.votes:
                return  # a newer answer is kept already (rendered by a faster request)
            entry = Kept(stamp, value, self.clock(), _size(value) if size is None else size)
            self._keep(key, entry)
        if self.node is not None and isinstance(value, Rendered):
            self.node.put(key, entry)  # bodies only: a page's data stays in this process

    def _keep(self, key: Hashable, entry: Kept) -> None:
        """Keep `entry` in memory (the lock held), evicting the least recently used."""
        if key in self._entries:
            self.bytes -= self._entries.pop(key).size
        self._entries[key] = entry
        self.bytes += entry.size
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            self.bytes -= self._entries.popitem(last=False)[1].size

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
