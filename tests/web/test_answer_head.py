"""An answer's head and body leave the process together (web/answer_head.py): nothing else
runs between them, so a process killed at any moment never leaves the proxy a head without
its body (the cluster test's killed node did, once, with Starlette's http middleware)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.types import Message

from dailypapers.settings import Settings
from dailypapers.web.app import create_app

PATHS = ["/", "/api/daily_papers", "/search?q=models", "/nowhere", "/feed.xml"]


async def _answer(app: object, path: str) -> tuple[list[Message], list[int]]:
    """The messages the app sends for GET `path`, and how many turns of the event loop a
    busy neighbour task had taken when each was sent."""
    turns = 0

    async def neighbour() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    sent: list[Message] = []
    seen: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)
        seen.append(turns)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    if "?" in path:
        scope["path"], query = path.split("?", 1)
        scope["query_string"] = query.encode()
    busy = asyncio.create_task(neighbour())
    await asyncio.sleep(0)
    try:
        await app(scope, receive, send)  # type: ignore[operator]
    finally:
        busy.cancel()
    return sent, seen


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_head_and_body_are_sent_in_one_step_of_the_event_loop(settings: Settings) -> None:
    app = create_app(settings)

    async def every() -> list[tuple[str, list[Message], list[int]]]:
        async with app.router.lifespan_context(app):
            return [(path, *await _answer(app, path)) for path in PATHS]

    try:
        with ThreadPoolExecutor(1) as thread:  # a loop of its own (see test_admission.py)
            answers = thread.submit(lambda: asyncio.run(every())).result()
    finally:
        app.state.engine.dispose()
    for path, sent, seen in answers:
        kinds = [message["type"] for message in sent]
        assert kinds == ["http.response.start", "http.response.body"], (path, kinds)
        assert not sent[1].get("more_body", False), path  # the whole body at once
        assert seen[0] == seen[1], (path, seen)  # the neighbour did not run in between
        headers = dict(sent[0]["headers"])
        assert headers[b"x-content-type-options"] == b"nosniff", path  # still edited
