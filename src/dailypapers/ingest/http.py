"""A polite HTTP fetcher for arXiv's services: one request every `delay` seconds, retries.

Retries, with exponential backoff, on 429, 5xx and network errors; honours `Retry-After`.
Both the query API and the OAI-PMH harvester go through it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from dailypapers import __version__
from dailypapers.ingest.records import SourceError

log = logging.getLogger(__name__)

USER_AGENT = f"dailypapers/{__version__} (self-hosted paper list; polite harvester)"
RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 600.0  # seconds; a longer Retry-After is capped


class FetchError(SourceError):
    """The service kept failing, or refused the request."""


@dataclass
class PoliteFetcher:
    """GET with a minimum pause between requests and retries with backoff.

    `delay`: seconds between the starts of two requests. `retries`: extra attempts after a
    failure; the n-th waits `retry_wait * 2**n` (or the server's Retry-After).
    """

    delay: float = 3.0
    retries: int = 4
    retry_wait: float | None = None  # default: max(delay, 1 second)
    timeout: float = 60.0
    client: httpx.Client | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests: int = 0
    _last: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.client is None:
            self.client = httpx.Client(
                timeout=self.timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=True
            )

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def get(
        self, url: str, params: dict[str, Any], *, accept: Callable[[httpx.Response], bool]
    ) -> httpx.Response:
        """The first response that `accept`s, retrying what can be retried.

        `accept` tells whether a 200 response is usable (e.g. a page with entries); a refused
        one is retried like a 503. A 4xx other than 429 is returned at once for the caller
        to explain.
        """
        base_wait = self.retry_wait if self.retry_wait is not None else max(self.delay, 1.0)
        problem = ""
        refused: httpx.Response | None = None  # the last 429/5xx answer, for Retry-After
        for attempt in range(self.retries + 1):
            if attempt:
                wait = self._retry_after(refused) or base_wait * 2 ** (attempt - 1)
                log.warning("%s; retrying in %.1f s (%d/%d)", problem, wait, attempt, self.retries)
                self.sleep(wait)
            refused = None
            try:
                response = self._get(url, params)
            except httpx.TransportError as exc:
                problem = f"{url}: {type(exc).__name__}: {exc}"
                continue
            if response.status_code in RETRIED_STATUS:
                problem, refused = f"{url}: HTTP {response.status_code}", response
                continue
            if response.status_code == 200 and not accept(response):
                problem = f"{url}: unusable answer (empty or malformed page)"
                continue
            return response
        raise FetchError(f"{problem}; gave up after {self.retries + 1} attempts")

    def _get(self, url: str, params: dict[str, Any]) -> httpx.Response:
        if self._last is not None:
            pause = self._last + self.delay - self.clock()
            if pause > 0:
                self.sleep(pause)
        self._last = self.clock()
        self.requests += 1
        assert self.client is not None
        return self.client.get(url, params=params)

    @staticmethod
    def _retry_after(response: httpx.Response | None) -> float | None:
        value = response.headers.get("Retry-After") if response is not None else None
        if not value:
            return None
        try:
            seconds = float(value)
        except ValueError:
            try:
                seconds = parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError):
                return None
        return min(max(seconds, 0.0), MAX_RETRY_AFTER)
