"""Per-client rate limits: a sliding window of hits kept in this process's memory.

Each web process counts on its own, so N processes allow up to N times the limit. Clients
whose hits have all left their window are forgotten (every SWEEP_EVERY hits), so the memory
held stays bounded by the clients of the last hour, not by every address ever seen.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from fastapi import HTTPException, Request


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


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def enforce(request: Request, action: str, client: str | None = None) -> None:
    """Raise 429 with Retry-After when `action` is over its limit for this client."""
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.hit(action, client or client_key(request))
    if wait > 0:
        raise HTTPException(
            status_code=429,
            detail=f"Too many {action} attempts. Try again in {math.ceil(wait)} seconds.",
            headers={"Retry-After": str(math.ceil(wait))},
        )
