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

Static files skip the line (they touch no database).
"""

from __future__ import annotations

import asyncio
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


class Admission:
    def __init__(self, app: ASGIApp, *, in_flight: int, queue_seconds: float) -> None:
        self.app = app
        self.in_flight = in_flight
        self.queue_seconds = queue_seconds
        self._slots: asyncio.Semaphore | None = None  # made in the server's event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.in_flight)
        slots, waited = self._slots, self.queue_seconds
        try:
            await asyncio.wait_for(slots.acquire(), timeout=waited)
        except TimeoutError:
            log.error("saturated: %s %s waited %.0f s", scope["method"], scope["path"], waited)
            await _busy(scope, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()


async def _busy(scope: Scope, send: Send) -> None:
    message = "The site is too busy right now. Try again in a few seconds."
    await reject(scope, send, 503, message, retry_after=RETRY_AFTER_SECONDS)
