"""Sending an email right after the transaction that queued it has committed."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from dailypapers.mail.delivery import deliver_outbox
from dailypapers.settings import Settings


class Deliveries:
    """The threads that send emails after a commit, for one app (its engine and settings).

    `create_app` builds one; routes receive it as `web.deps.DeliveriesDep`; tests and
    shutdown wait for it with `join()`.
    """

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def after_commit(self, session: Session, outbox_id: int) -> None:
        """Send one queued email once `session`'s transaction has committed, off the request's
        thread. If this process dies first, the row stays queued for the worker."""

        def send() -> None:
            try:
                deliver_outbox(self.engine, self.settings, ids=[outbox_id])
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())

        def start(_: Session) -> None:
            thread = threading.Thread(target=send, name=f"email-{outbox_id}", daemon=True)
            with self._lock:
                self._threads.add(thread)
            thread.start()

        event.listen(session, "after_commit", start, once=True)

    def join(self, timeout: float = 30.0) -> None:
        """Wait for the emails being sent (a shutdown, a test's end)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)
