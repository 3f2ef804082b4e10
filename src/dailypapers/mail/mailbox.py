"""The development mailbox: mail transport and reader for a site with no SMTP server.

With no `DAILYPAPERS_SMTP_URL` outside production, every email is delivered into a Maildir
under `DATA_DIR/mailbox` (like Django's file backend or MailHog) instead of being left in the
outbox: an admin reads it at `/admin/mail`, an operator with `dailypapers mail list`. The
transport has the SMTP transport's two steps, so the outbox's exactly-once claim works alike:
`begin` keeps the message, `finish` writes it (Maildir writes go to `tmp/`, then a rename).
"""

from __future__ import annotations

import mailbox
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from dailypapers.mail.smtp import TemporaryFailure

ENVELOPE_HEADER = "X-Dailypapers-Envelope-To"


def mailbox_folder(data_dir: Path) -> Path:
    return data_dir / "mailbox"


class MailboxTransport:
    """A `MailTransport` that delivers into a local Maildir."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._pending: bytes | None = None

    def begin(self, *, sender: str, recipient: str, data: bytes) -> None:
        self._pending = f"{ENVELOPE_HEADER}: {recipient}\r\n".encode() + data

    def finish(self) -> None:
        if self._pending is None:
            raise TemporaryFailure(0, "finish() without begin()")
        data, self._pending = self._pending, None
        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            mailbox.Maildir(self.folder, create=True).add(data)
        except OSError as exc:
            raise TemporaryFailure(0, f"cannot write to the mailbox {self.folder}: {exc}") from exc

    def abort(self) -> None:
        self._pending = None

    def close(self) -> None:
        self._pending = None


@dataclass(frozen=True, slots=True)
class MailItem:
    key: str
    to: str
    sender: str
    subject: str
    date: datetime | None
    text: str  # the text/plain part


def read_mailbox(folder: Path, *, limit: int = 50) -> list[MailItem]:
    """The newest `limit` emails of the mailbox, newest first; none when it does not exist."""
    if not (folder / "cur").is_dir() and not (folder / "new").is_dir():
        return []
    box = mailbox.Maildir(folder, create=False)
    items = []
    for key in box.iterkeys():
        with box.get_file(key) as handle:
            parsed = message_from_bytes(handle.read(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        items.append(_item(key, parsed))
    items.sort(key=lambda item: (item.date or datetime.min.astimezone(), item.key), reverse=True)
    return items[:limit]


def _item(key: str, message: EmailMessage) -> MailItem:
    try:
        sent = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        sent = None
    body = message.get_body(preferencelist=("plain",))
    return MailItem(
        key=key,
        to=str(message[ENVELOPE_HEADER] or message["To"] or ""),
        sender=str(message["From"] or ""),
        subject=str(message["Subject"] or ""),
        date=sent,
        text=body.get_content() if isinstance(body, EmailMessage) else "",
    )
