"""Per-client rate limits, counted in the database so they hold across processes and nodes.

`DatabaseRateLimiter` (what the app uses) keeps one row per action and client: a window of
`seconds` opened by the first hit and the hits allowed in it
(`dailypapers.ratelimits`): N web processes on M machines allow the limit once, not N×M
times. When the database refuses the write (read-only, full, down) a hit is counted in this
process's memory instead, so a limit still holds per process and reads keep working.

`RateLimiter` is that in-memory fallback: a sliding window of hits per client. Clients whose
hits have all left their window are forgotten (every SWEEP_EVERY hits), so the memory held
stays bounded by the clients of the last hour, not by every address ever seen.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from fastapi import HTTPException, Request
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from dailypapers.ratelimits import buckets


@dataclass(frozen=True, slots=True)
class Limit:
    hits: int
    seconds: float


LIMITS = {
    "login": Limit(10, 60),
    "signup": Limit(5, 3600),
    "submit": Limit(20, 3600),
    "vote": Limit(60, 60),
    "comment": Limit(20, 60),
    "search": Limit(120, 60),
    "subscribe": Limit(10, 3600),
    "password_reset": Limit(5, 3600),
    "verify_email": Limit(5, 3600),
    "comment_edit": Limit(30, 3600),
    "token": Limit(10, 3600),
    "collection": Limit(20, 3600),
}


SWEEP_EVERY = 1000


class RateLimiter:
    def __init__(self, limits: dict[str, Limit]) -> None:
        self.limits = limits
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._since_sweep = 0

    def hit(self, action: str, client: str, *, now: float | None = None) -> float:
        """Record a hit; return 0 when allowed, else the seconds to wait."""
        limit = self.limits[action]
        now = time.monotonic() if now is None else now
        with self._lock:
            self._since_sweep += 1
            if self._since_sweep >= SWEEP_EVERY:
                self._sweep(now)
            window = self._hits[(action, client)]
            while window and window[0] <= now - limit.seconds:
                window.popleft()
            if len(window) >= limit.hits:
                return window[0] + limit.seconds - now
            window.append(now)
            return 0.0

    def tracked(self) -> int:
        """How many (action, client) windows are held."""
        with self._lock:
            return len(self._hits)

    def _sweep(self, now: float) -> None:
        self._since_sweep = 0
        stale = [
            key
            for key, window in self._hits.items()
            if not window or window[-1] <= now - self.limits[key[0]].seconds
        ]
        for key in stale:
            del self._hits[key]

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


class DatabaseRateLimiter:
    """Windows of hits in the database (one upsert per hit); memory when the database fails."""

    def __init__(self, limits: dict[str, Limit], engine: Engine) -> None:
        self.limits = limits
        self.engine = engine
        self.fallback = RateLimiter(limits)
        self._since_sweep = 0

    def hit(self, action: str, client: str, *, now: float | None = None) -> float:
        """Record a hit; return 0 when allowed, else the seconds to wait."""
        limit = self.limits[action]
        now = time.time() if now is None else now
        try:
            with self.engine.begin() as conn:
                wait = buckets.take(
                    conn,
                    action=action,
                    client=client,
                    hits=limit.hits,
                    seconds=limit.seconds,
                    now=now,
                )
            self._maybe_sweep(now)
        except DBAPIError:  # read-only, full or unreachable: count here for now
            return self.fallback.hit(action, client)
        return wait

    def tracked(self) -> int:
        """How many (action, client) windows are held."""
        with self.engine.connect() as conn:
            return buckets.count(conn)

    def reset(self) -> None:
        with self.engine.begin() as conn:
            buckets.clear(conn)
        self.fallback.reset()

    def _maybe_sweep(self, now: float) -> None:
        self._since_sweep += 1
        if self._since_sweep < SWEEP_EVERY:
            return
        self._since_sweep = 0
        with self.engine.begin() as conn:
            for action, limit in self.limits.items():
                buckets.prune(conn, action=action, seconds=limit.seconds, now=now)


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def enforce(request: Request, action: str, client: str | None = None) -> None:
    """Raise 429 with Retry-After when `action` is over its limit for this client."""
    limiter: RateLimiter | DatabaseRateLimiter = request.app.state.rate_limiter
    wait = limiter.hit(action, client or client_key(request))
    if wait > 0:
        raise HTTPException(
            status_code=429,
            detail=f"Too many {action} attempts. Try again in {math.ceil(wait)} seconds.",
            headers={"Retry-After": str(math.ceil(wait))},
        )
