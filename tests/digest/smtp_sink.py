"""A real SMTP server (aiosmtpd) in a thread, counting what each recipient received.

Tests script it: slow down every message, fail a recipient with 4xx a few times or with
5xx always, or stall on the Nth recipient so that a sender can be killed there.
"""

from __future__ import annotations

import asyncio
import email
import threading
import warnings
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session


@dataclass
class CountingHandler:
    delay: float = 0.0  # seconds spent on each message after counting it
    temporary: dict[str, int] = field(default_factory=dict)  # recipient -> 4xx replies left
    permanent: set[str] = field(default_factory=set)  # recipients always refused with 5xx
    stall_on_rcpt: int | None = None  # the Nth RCPT (1-based) blocks until released
    refuse_rcpt: set[str] = field(default_factory=set)  # refused with 550 at RCPT
    pipelining: bool = False  # offer PIPELINING (RFC 2920) in the EHLO reply
    keep_messages: bool = True
    counts: Counter[str] = field(default_factory=Counter)
    messages: list[tuple[str, bytes]] = field(default_factory=list)
    rcpts_seen: int = 0
    received: threading.Condition = field(default_factory=threading.Condition)
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        self.rcpts_seen += 1
        if self.stall_on_rcpt == self.rcpts_seen:
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        if address in self.refuse_rcpt:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        (recipient,) = envelope.rcpt_tos
        if recipient in self.permanent:
            return "550 5.1.1 no such mailbox"
        if self.temporary.get(recipient, 0) > 0:
            self.temporary[recipient] -= 1
            return "451 4.3.0 try again later"
        with self.received:
            self.counts[recipient] += 1
            if self.keep_messages:
                self.messages.append((recipient, bytes(envelope.original_content or b"")))
            self.received.notify_all()
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 2.0.0 OK queued"

    def wait_for(self, total: int, timeout: float = 30.0) -> None:
        with self.received:
            if not self.received.wait_for(lambda: self.total >= total, timeout):
                raise TimeoutError(f"only {self.total} of {total} messages arrived")

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def parsed(self, recipient: str) -> list[EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=default)  # type: ignore[misc]
            for to, raw in self.messages
            if to == recipient
        ]


class SmtpSink:
    """`with SmtpSink(handler) as sink:` serves on 127.0.0.1:<sink.port>; with `login`,
    AUTH (PLAIN/LOGIN) with that user and password is required."""

    def __init__(self, handler: CountingHandler, login: tuple[str, str] | None = None) -> None:
        self.handler = handler
        self.login = login
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self._server = future.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _start(self) -> asyncio.base_events.Server:
        return await self._loop.create_server(self._protocol, host="127.0.0.1", port=0)

    def _protocol(self) -> SMTP:
        if self.login is None:
            return SMTP(self.handler, hostname="sink.test", decode_data=False)
        with warnings.catch_warnings():  # AUTH without TLS: fine on 127.0.0.1 in a test
            warnings.simplefilter("ignore")
            return SMTP(
                self.handler, hostname="sink.test", decode_data=False, auth_required=True,
                auth_require_tls=False, authenticator=self._authenticate,
            )  # fmt: skip

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        given = (data.login.decode(), data.password.decode()) if data else None
        return AuthResult(success=given == self.login)

    @staticmethod
    async def _stop(server: asyncio.base_events.Server) -> None:
        server.close()
        await server.wait_closed()

    def __exit__(self, *exc: object) -> None:
        self.handler.release.set()
        if self._server is not None:
            # closed in the loop's thread: asyncio's Server is not thread-safe, and a close
            # from here raced a connection ending there (both woke the waiters: TypeError)
            asyncio.run_coroutine_threadsafe(self._stop(self._server), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
