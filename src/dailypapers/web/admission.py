"""At most `MAX_REQUESTS_IN_FLIGHT` requests of a process run at once; the rest wait in line.

FastAPI runs every sync dependency and route in the thread pool (40 threads), one hop each,
and a request keeps its database connection between hops while it waits for a thread
again. With more requests in flight than the pool has connections, the threads can all be
held by requests waiting for a connection that requests queued for a thread hold: under
load a node answered "no free database connection" (503) after the pool's 30 s, and the
proxy then took the node out of rotation. Here requests beyond the limit wait first in
arrival order (an asyncio semaphore), before they hold anything, and the engine's pool has
room for every admitted request (`pool_options`). One that waits longer than
`REQUEST_QUEUE_SECONDS` is answered 503 with Retry-After: the node is saturated.

Writes (any method but GET and HEAD: a vote, a comment, a sign-in) go ahead of the reads
waiting in line, in arrival order among themselves. A saturated node is mostly busy with
reads that have an answer elsewhere (the proxy serves its stale copy while it refreshes
it), while a person who voted waits for this node alone. Static files skip the line (they
touch no database).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from dailypapers.web.faults import RETRY_AFTER_SECONDS
from dailypapers.web.guards import reject

log = logging.getLogger(__name__)
CONNECTIONS_PER_REQUEST = 2  # its session, plus a rate limit's or a cache stamp's own
SPARE_CONNECTIONS = 4  # the in-process worker and emails sent after a commit


def pool_options(in_flight: int) -> dict[str, Any]:
    """A pool with room for every admitted request's connections, opened as needed and kept:
    no overflow, whose connections SQLAlchemy closes on return once `pool_size` are idle
    (under load a PostgreSQL backend was forked and ended every few requests)."""
    connections = in_flight * CONNECTIONS_PER_REQUEST + SPARE_CONNECTIONS
    return {"pool_size": connections, "max_overflow": 0}


READS = frozenset({"GET", "HEAD"})


class Line:
    """Slots for requests, given to writes before reads, each in arrival order."""

    def __init__(self, slots: int) -> None:
        self.free = slots
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    async def enter(self, *, write: bool, timeout: float) -> None:
        """Take a slot, waiting at most `timeout` s (TimeoutError: none was given)."""
        if self.free > 0 and not self._waiting:
            self.free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (0 if write else 1, next(self._arrivals), turn))
        try:
            await asyncio.wait_for(asyncio.shield(turn), timeout=timeout)
        except BaseException:
            if turn.done() and not turn.cancelled():
                self.leave()  # the slot came as the wait ended: pass it on
            else:
                turn.cancel()  # skipped when its turn comes (`leave`)
            raise

    def leave(self) -> None:
        """Give the slot to the first writer waiting, else the first reader."""
        while self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():
                turn.set_result(None)
                return
        self.free += 1


class Admission:
    def __init__(self, app: ASGIApp, *, in_flight: int, queue_seconds: float) -> None:
        self.app = app
        self.in_flight = in_flight
        self.queue_seconds = queue_seconds
        self._line: Line | None = None  # made in the server's event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        if self._line is None:
            self._line = Line(self.in_flight)
        line, waited = self._line, self.queue_seconds
        try:
            await line.enter(write=scope["method"] not in READS, timeout=waited)
        except TimeoutError:
            log.error("saturated: %s %s waited %.0f s", scope["method"], scope["path"], waited)
            await _busy(scope, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            line.leave()


async def _busy(scope: Scope, send: Send) -> None:
    message = "The site is too busy right now. Try again in a few seconds."
    await reject(scope, send, 503, message, retry_after=RETRY_AFTER_SECONDS)
