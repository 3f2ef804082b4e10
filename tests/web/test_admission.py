"""A web process runs a bounded number of requests at once; the rest wait in line, in order,
and a request that waits too long is told the site is busy (web/admission.py)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
from starlette.types import Receive, Scope, Send

from dailypapers.settings import Settings
from dailypapers.web.admission import Admission
from dailypapers.web.app import create_app


class Slow:
    """An ASGI app that answers after `seconds` and records how many requests it ran at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.running = 0
        self.most = 0
        self.order: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        self.order.append(scope["path"])
        await asyncio.sleep(self.seconds)
        self.running -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _get_all(app: object, paths: list[str]) -> list[httpx.Response]:
    """GET the paths concurrently, sent in this order, in an event loop of their own (a
    thread: the suite's browser tests leave one running in the main thread)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(lambda: asyncio.run(_gather(app, paths))).result()


async def _gather(app: object, paths: list[str]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def get(n: int, path: str) -> httpx.Response:
            await asyncio.sleep(n * 0.001)  # sent in this order
            return await client.get(path)

        return await asyncio.gather(*(get(n, p) for n, p in enumerate(paths)))


def test_requests_beyond_the_limit_wait_in_arrival_order() -> None:
    slow = Slow(0.05)
    gate = Admission(slow, in_flight=2, queue_seconds=5)
    paths = [f"/p{n}" for n in range(8)]
    answers = _get_all(gate, paths)
    assert [a.status_code for a in answers] == [200] * 8
    assert slow.most == 2
    assert slow.order == paths


def test_a_request_that_waits_too_long_is_told_the_site_is_busy() -> None:
    slow = Slow(0.5)
    gate = Admission(slow, in_flight=1, queue_seconds=0.1)
    first, second, api = _get_all(gate, ["/papers/x", "/", "/api/papers/x"])
    assert first.status_code == 200
    assert second.status_code == 503
    assert second.headers["retry-after"] == "5"
    assert "too busy" in second.text
    assert api.status_code == 503 and "too busy" in api.json()["error"]
    assert slow.order == ["/papers/x"]


def test_static_files_skip_the_line() -> None:
    slow = Slow(0.3)
    gate = Admission(slow, in_flight=1, queue_seconds=0.05)
    answers = _get_all(gate, ["/papers/x", "/static/site.css"])
    assert [a.status_code for a in answers] == [200, 200]


def test_a_burst_on_the_real_site_gets_every_answer(settings: Settings) -> None:
    """One request in flight and a pool of six connections: 40 concurrent
    page and API reads, each a chain of thread-pool hops holding a connection, all answer.
    Without the line, requests holding a connection between hops waited behind requests
    holding a thread, until the pool's timeout answered 503."""
    settings.max_requests_in_flight = 1
    app = create_app(settings)
    paths = ["/", "/papers/trending", "/api/daily_papers", "/search?q=language+models"] * 10
    try:
        answers = _get_all(app, paths)
    finally:
        app.state.engine.dispose()
    assert [a.status_code for a in answers] == [200] * len(paths)
    assert app.state.engine.pool.size() == 6  # 2 a request, 4 spare: kept, no overflow


def _send_all(app: object, requests: list[tuple[str, str]]) -> list[httpx.Response]:
    """Like `_get_all`, with each request's method."""

    async def send() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

            async def one(n: int, method: str, path: str) -> httpx.Response:
                await asyncio.sleep(n * 0.001)  # sent in this order
                return await client.request(method, path)

            return await asyncio.gather(*(one(n, m, p) for n, (m, p) in enumerate(requests)))

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(lambda: asyncio.run(send())).result()


def test_writes_go_ahead_of_the_reads_waiting_in_line() -> None:
    slow = Slow(0.05)
    gate = Admission(slow, in_flight=1, queue_seconds=5)
    sent = [("GET", "/first"), ("GET", "/r1"), ("GET", "/r2"), ("POST", "/vote1")]
    sent += [("GET", "/r3"), ("POST", "/vote2"), ("HEAD", "/r4")]
    answers = _send_all(gate, sent)
    assert [a.status_code for a in answers] == [200] * len(sent)
    assert slow.most == 1
    # the first ran at once; then both writes, in their order; then the reads, in theirs
    assert slow.order == ["/first", "/vote1", "/vote2", "/r1", "/r2", "/r3", "/r4"]


def test_a_request_that_gave_up_waiting_leaves_its_place_to_the_next() -> None:
    slow = Slow(0.3)
    gate = Admission(slow, in_flight=1, queue_seconds=0.1)
    first, gave_up = _get_all(gate, ["/first", "/second"])
    assert (first.status_code, gave_up.status_code) == (200, 503)
    again = _get_all(gate, ["/third", "/fourth"])  # the slot came back; the line is empty
    assert [a.status_code for a in again] == [200, 503]
    assert slow.order == ["/first", "/third"]
