"""The bytes of one email as they go over SMTP."""

from __future__ import annotations

import binascii
import secrets
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr

from dailypapers.settings import Settings


def wire_message(
    settings: Settings,
    *,
    to_addr: str,
    subject: str,
    message_id: str,
    body_text: str,
    body_html: str | None,
    headers: dict[str, str],
    date: datetime,
) -> bytes:
    """The bytes that go over SMTP: multipart/alternative (text, then HTML), UTF-8 parts in
    quoted-printable (binascii's, in C), CRLF line ends.

    Written out directly rather than through `email.message.EmailMessage`, which spent 4 ms
    a message parsing its own headers; the tests read every message back with `email`.
    """
    name, address = parseaddr(settings.mail_from)
    fields = {
        "From": formataddr((name, address), charset="utf-8"),
        "To": to_addr,
        "Subject": subject
        if subject.isascii()
        else Header(subject, "utf-8").encode(linesep="\r\n"),
        "Date": format_datetime(date),
        "Message-ID": message_id,
        **headers,
        "MIME-Version": "1.0",
    }
    head = "".join(_header(key, value) for key, value in fields.items())
    if body_html is None:
        return head.encode() + _part("text/plain", body_text)
    boundary = f"=_dailypapers_{secrets.token_hex(12)}"
    return b"".join(
        [
            head.encode(),
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode(),
            f"--{boundary}\r\n".encode(),
            _part("text/plain", body_text),
            f"\r\n--{boundary}\r\n".encode(),
            _part("text/html", body_html),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )


def _header(key: str, value: str) -> str:
    if "\r" in value.replace("\r\n ", "") or "\n" in value.replace("\r\n ", ""):
        raise ValueError(f"a line break in the {key} header")
    if not value.isascii():
        raise ValueError(f"non-ASCII text in the {key} header")
    return f"{key}: {value}\r\n"


def _part(content_type: str, text: str) -> bytes:
    crlf = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    return (
        f"Content-Type: {content_type}; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode() + binascii.b2a_qp(crlf.encode(), istext=True)
