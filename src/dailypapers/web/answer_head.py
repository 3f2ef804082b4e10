"""Middleware that edits an answer's headers as they leave, and passes its body untouched.

Starlette's `BaseHTTPMiddleware` (`app.middleware("http")`) runs the inner app in a task of
its own and streams every body through a queue: the head of an answer was written to the
socket, and its body only after the event loop had run other requests' work. A process
killed in between (a crash, the OOM killer, `kill -9`) left the proxy a head and no body, a
failed GET it cannot retry. Here the head is edited in place and sent, and the body follows
in the same step of the event loop, as the route produced it.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EditHead = Callable[[Request, Response], None]


class AnswerHead:
    """Calls `before(request)` as a request comes in, and `edit(request, head)` on its
    answer's status and headers (a `Response` without a body: set headers and cookies on
    it). When the inner app raises before answering, `on_error(request)` (called in the
    `except` block, so it can log the exception) makes the answer, edited the same way."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        edit: EditHead,
        before: Callable[[Request], None] | None = None,
        on_error: Callable[[Request], Response] | None = None,
    ) -> None:
        self.app = app
        self.edit = edit
        self.before = before
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if self.before is not None:
            self.before(request)
        started = False

        async def edited(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = self._edited(request, message)
            await send(message)

        try:
            await self.app(scope, receive, edited)
        except Exception:
            if self.on_error is None or started:
                raise
            answer = self.on_error(request)
            await answer(scope, receive, edited)

    def _edited(self, request: Request, message: Message) -> Message:
        head = Response(status_code=message["status"])
        head.raw_headers = list(message.get("headers", []))  # before `headers` is read
        self.edit(request, head)
        return {**message, "headers": head.raw_headers}
