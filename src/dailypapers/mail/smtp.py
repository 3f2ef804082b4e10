"""The mail transport: SMTP from `DAILYPAPERS_SMTP_URL`, one connection kept for a run.

A message goes out in two steps so the caller can record its claim in between:
`begin` sends the envelope and the whole body except the final dot, `finish` sends the
dot and reads the reply. A server discards a message whose dot never came, so a sender
killed before `finish` has delivered nothing; `abort` drops the connection for that purpose.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from dailypapers.mail.addresses import envelope_address

TRUE_WORDS = {"1", "true", "yes", "on"}
_LEADING_DOT = re.compile(rb"(?m)^\.")
_BARE_NEWLINE = re.compile(rb"\r\n|\n|\r")
_WANTED = ((250,), (250, 251), (354,))  # the good replies to MAIL, RCPT and DATA


class SmtpFailure(Exception):
    """A message was not accepted; `code` is the SMTP reply code, 0 for connection errors."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code} {text}" if code else text)
        self.code = code
        self.text = text


class TemporaryFailure(SmtpFailure):
    """4xx replies, refused or broken connections, timeouts before the final dot: retry."""


class PermanentFailure(SmtpFailure):
    """5xx replies: do not retry."""


class UnconfirmedDelivery(SmtpFailure):
    """The connection broke after the final dot: the server may well have the message."""


class MailTransport(Protocol):
    def begin(self, *, sender: str, recipient: str, data: bytes) -> None: ...
    def finish(self) -> None: ...
    def abort(self) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    implicit_tls: bool = False
    timeout: float = 30.0
    local_hostname: str = "localhost"

    @classmethod
    def from_url(
        cls, url: str, *, timeout: float = 30.0, local_hostname: str = "localhost"
    ) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                f"DAILYPAPERS_SMTP_URL {url!r}: expected smtp://[user:pass@]host[:port][?starttls=1]"
                " or smtps://..."
            )
        query = parse_qs(parts.query)
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=query.get("starttls", ["0"])[0].lower() in TRUE_WORDS,
            implicit_tls=implicit,
            timeout=timeout,
            local_hostname=local_hostname,
        )


def smtp_payload(data: bytes) -> bytes:
    """CRLF line ends, leading dots doubled (RFC 5321 4.5.2), ending in CRLF; no final dot."""
    body = _LEADING_DOT.sub(b"..", _BARE_NEWLINE.sub(b"\r\n", data))
    return body if body.endswith(b"\r\n") else body + b"\r\n"


def envelope_commands(sender: str, recipient: str) -> list[str]:
    """The MAIL, RCPT and DATA lines of one message; AddressError for an unusable address."""
    return [
        f"MAIL FROM:<{envelope_address(sender)}>\r\n",
        f"RCPT TO:<{envelope_address(recipient)}>\r\n",
        "DATA\r\n",
    ]


class SmtpTransport:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        try:
            if c.implicit_tls:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    c.host, c.port, local_hostname=c.local_hostname, timeout=c.timeout,
                    context=ssl.create_default_context(),
                )  # fmt: skip
            else:
                conn = smtplib.SMTP(
                    c.host, c.port, local_hostname=c.local_hostname, timeout=c.timeout
                )
            # The final dot goes out alone after the claim; without this, Nagle's algorithm
            # holds it until the server's delayed ACK, 40 ms per message.
            assert conn.sock is not None  # the constructor connected it
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.ehlo()
            if c.starttls:
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if c.username:
                conn.login(c.username, c.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentFailure(exc.smtp_code, _text(exc.smtp_error)) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(0, f"cannot connect to {c.host}:{c.port}: {exc}") from exc
        return conn

    def begin(self, *, sender: str, recipient: str, data: bytes) -> None:
        """Everything but the final dot. Raises Temporary/PermanentFailure when refused, and
        AddressError (before anything is sent) for an address that cannot go on the wire."""
        commands = envelope_commands(sender, recipient)
        conn = self._conn or self._connect()
        self._conn = conn
        try:
            try:
                replies = self._envelope(conn, commands)
            except smtplib.SMTPServerDisconnected:  # an idle connection the server closed
                self._conn = conn = self._connect()
                replies = self._envelope(conn, commands)
            self._check(replies)
            conn.send(smtp_payload(data))
        except SmtpFailure:
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self.abort()
            raise TemporaryFailure(0, f"connection lost: {exc}") from exc

    def _envelope(self, conn: smtplib.SMTP, commands: list[str]) -> list[tuple[int, bytes]]:
        """MAIL, RCPT and DATA: in one write when the server offers PIPELINING (RFC 2920),
        which saves two round trips a message; else one by one, stopping at a refusal.
        Both ways send the same command lines."""
        if conn.has_extn("pipelining"):
            conn.send("".join(commands).encode("ascii"))
            return [conn.getreply() for _ in commands]
        replies: list[tuple[int, bytes]] = []
        for line, ok in zip(commands, _WANTED, strict=True):
            conn.send(line.encode("ascii"))
            replies.append(conn.getreply())
            if replies[-1][0] not in ok:
                break
        return replies

    def _check(self, replies: list[tuple[int, bytes]]) -> None:
        """Raise for the first refused command, leaving the connection ready for the next."""
        for code, text in (r for r, ok in zip(replies, _WANTED, strict=False) if r[0] not in ok):
            if replies[-1][0] == 354:  # in DATA after all: only a dropped connection ends it
                self.abort()
            else:
                self._reset()
            raise _failure(code, text)

    def _reset(self) -> None:
        if self._conn is not None:
            try:
                self._conn.rset()
            except (OSError, smtplib.SMTPException):
                self.abort()

    def finish(self) -> None:
        """Send the final dot and read the verdict."""
        conn = self._conn
        if conn is None:
            raise TemporaryFailure(0, "finish() without begin()")
        try:
            conn.send(b".\r\n")
            code, text = conn.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            self._conn = None
            conn.close()
            raise UnconfirmedDelivery(0, f"no reply after the final dot: {exc}") from exc
        if code != 250:
            raise _failure(code, text)

    def abort(self) -> None:
        """Drop the connection mid-message: the server discards what it got."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.quit()
        except (OSError, smtplib.SMTPException):
            self._conn.close()
        self._conn = None


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _failure(code: int, text: bytes) -> SmtpFailure:
    kind = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return kind(code, _text(text))
