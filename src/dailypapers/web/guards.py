"""Input guards before any route runs: body size, UTF-8 and NUL characters.

A pure ASGI middleware, so that a hostile request costs little and never reaches a route:
- a body over the limit is answered 413, whether it declares its length or streams it
  (bodies of writes are read here, at most the limit, and handed on to the route);
- a path or query string that is not UTF-8, or holds a NUL character, is answered 400;
- so is a form or JSON body that is not UTF-8 or holds a NUL (PostgreSQL cannot store one).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FORM = "application/x-www-form-urlencoded"
CHECKED_BODIES = (FORM, "application/json")


class BodyTooLarge(Exception):
    pass


class InputGuard:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = target_problem(scope)
        if problem:
            await reject(scope, send, 400, problem)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await reject(scope, send, 413, self._too_large())
            return
        if scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)  # routes never read these bodies
            return
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        await self._checked_body(scope, receive, send, content_type)

    def _too_large(self) -> str:
        return f"The request body is larger than the limit of {self.max_body_bytes} bytes."

    async def _checked_body(
        self, scope: Scope, receive: Receive, send: Send, content_type: str
    ) -> None:
        try:
            body = await read_body(receive, self.max_body_bytes)
        except BodyTooLarge:
            await reject(scope, send, 413, self._too_large())
            return
        problem = body_problem(body, content_type) if content_type in CHECKED_BODIES else None
        if problem:
            await reject(scope, send, 400, problem)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # e.g. http.disconnect
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _text_problem(raw: bytes, where: str) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"The {where} is not valid UTF-8 (byte {exc.start})."
    if "\x00" in text:
        return f"The {where} contains a NUL character."
    return None


def target_problem(scope: Scope) -> str | None:
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    path_problem = _text_problem(unquote_to_bytes(raw_path), "URL path")
    if path_problem:
        return path_problem
    query: bytes = scope.get("query_string", b"")
    if any(pair.startswith(b"=") for pair in query.split(b"&")):
        return "The query string has a value without a parameter name (`=value`)."
    return _text_problem(unquote_to_bytes(query.replace(b"+", b" ")), "query string")


def body_problem(body: bytes, content_type: str) -> str | None:
    if content_type == FORM:
        return _text_problem(unquote_to_bytes(body.replace(b"+", b" ")), "form body")
    problem = _text_problem(body, "JSON body")
    if problem or b"\\u" not in body:
        return problem
    try:  # escapes may spell a NUL or a lone surrogate, which no database stores
        text = json.dumps(json.loads(body), ensure_ascii=False)
    except ValueError:
        return None  # not JSON at all: the route's validation names the problem
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "The JSON body is not valid UTF-8 (a lone surrogate escape)."
    if "\\u0000" in text:
        return "The JSON body contains a NUL character (\\u0000)."
    return None


async def reject(
    scope: Scope, send: Send, status: int, message: str, *, retry_after: int | None = None
) -> None:
    path: str = scope["path"]
    if path.startswith("/api/") or path.endswith((".json", ".md")):
        body, content_type = json.dumps({"error": message}).encode(), "application/json"
    else:
        body, content_type = message.encode(), "text/plain; charset=utf-8"
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


GUARD_RESPONSES = {
    "400": "The URL, query string or body is not UTF-8, or holds a NUL character.",
    "413": "The request body is larger than DAILYPAPERS_MAX_REQUEST_BYTES.",
}


def document_guard_responses(app: FastAPI) -> None:
    """Every operation can get the guard's 400 and 413: say so in /openapi.json."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        error = {"type": "object", "properties": {"error": {"type": "string"}}}
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for status, description in GUARD_RESPONSES.items():
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": error}},
                        },
                    )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
