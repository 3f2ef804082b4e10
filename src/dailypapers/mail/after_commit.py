"""Sending an email right after the transaction that queued it has committed."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from dailypapers.mail.delivery import deliver_outbox
from dailypapers.settings import Settings

_deliveries: set[threading.Thread] = set()


def deliver_after_commit(
    session: Session, engine: Engine, settings: Settings, outbox_id: int
) -> None:
    """Send one queued email once the request's transaction has committed, off the request's
    thread. If this process dies first, the row stays queued for `digest deliver` / the worker."""

    def send() -> None:
        try:
            deliver_outbox(engine, settings, ids=[outbox_id])
        finally:
            _deliveries.discard(threading.current_thread())

    def start(_: Session) -> None:
        thread = threading.Thread(target=send, daemon=True)
        _deliveries.add(thread)
        thread.start()

    event.listen(session, "after_commit", start, once=True)


def join_deliveries(timeout: float = 30.0) -> None:
    """Wait for the emails being sent after a commit (a shutdown, a test's end)."""
    for thread in list(_deliveries):
        thread.join(timeout)
