"""A real HTTP server on 127.0.0.1 that replays recorded responses, for client tests.

`Replay(route)` serves GET requests on a free port from a thread; `route(params)` returns
(status, body, headers) for the query parameters of each request, and every request is
logged (time, parameters) so tests can check paging, pauses and resumption.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, bytes, dict[str, str]]
Route = Callable[[dict[str, str]], Answer]


@dataclass
class Request:
    at: float
    params: dict[str, str]


@dataclass
class Replay:
    route: Route
    requests: list[Request] = field(default_factory=list)

    def __enter__(self) -> Replay:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
                params = {key: values[-1] for key, values in query.items()}
                replay.requests.append(Request(time.monotonic(), params))
                status, body, headers = replay.route(params)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client was killed while waiting: what some tests do

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/query"


def ok(body: bytes, content_type: str = "application/atom+xml") -> Answer:
    return 200, body, {"Content-Type": content_type}


# --- OAI-PMH: one recorded ListRecords answer cut into pages with resumption tokens -------

_RECORD = re.compile(rb"<record>.*?</record>", re.DOTALL)
_HEAD = re.compile(rb"^.*?<ListRecords>", re.DOTALL)


def oai_pages(recorded: Path, per_page: int) -> list[bytes]:
    """The records of `recorded` as ListRecords pages of `per_page`, chained by tokens."""
    body = recorded.read_bytes()
    head = _HEAD.match(body)
    assert head is not None, recorded
    records = _RECORD.findall(body)
    chunks = [records[i : i + per_page] for i in range(0, len(records), per_page)]
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        cursor = (number - 1) * per_page
        token = f"token-{number + 1}" if number < len(chunks) else ""
        resumption = (
            f'<resumptionToken cursor="{cursor}" completeListSize="{len(records)}">'
            f"{token}</resumptionToken>"
        ).encode()
        pages.append(head.group(0) + b"\n" + b"\n".join(chunk) + resumption + b"</ListRecords>")
        pages[-1] += b"</OAI-PMH>\n"
    return pages


def oai_route(
    pages: list[bytes], *, fail_page: Callable[[int], Answer | None] | None = None
) -> Route:
    """Serve `pages`: the first for a fresh ListRecords, then `token-N` for page N."""

    def route(params: dict[str, str]) -> Answer:
        token = params.get("resumptionToken")
        if token is None:
            if params.get("metadataPrefix") != "arXiv" or params.get("verb") != "ListRecords":
                return 400, b"bad request", {}
            number = 1
        elif token.removeprefix("token-").isdigit():
            number = int(token.removeprefix("token-"))
        else:
            return ok(OAI_BAD_TOKEN, "text/xml")
        if fail_page is not None and (failure := fail_page(number)) is not None:
            return failure
        return ok(pages[number - 1], "text/xml")

    return route


OAI_BAD_TOKEN = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    b"<responseDate>2026-01-01T00:00:00Z</responseDate>"
    b'<request verb="ListRecords">http://export.arxiv.org/oai2</request>'
    b'<error code="badResumptionToken">The value of the resumptionToken argument is invalid '
    b"or expired.</error></OAI-PMH>"
)
