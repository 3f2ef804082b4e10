"""Sending the outbox: each message once, even when the sender is killed and run again.

For each due message the sender
1. sends the envelope and the body, all but the final dot (`begin`);
2. claims the row, `queued` -> `sending`, and commits; a row someone else claimed is left
   alone and the half-sent message dropped with the connection;
3. sends the final dot (`finish`); on the server's 250 it marks the row `sent` and commits.

A kill before 2 leaves the row `queued` and the server without a message (no dot), so a
rerun sends it. A kill after 2 leaves it `sending`: the dot went out right after the claim,
so the server almost surely has the message, and it is never sent again; after
`stale_after` such a row is marked `sent` with the note "unconfirmed". What is left: a kill
in the microseconds between the claim's commit and the dot's write loses that one message,
and a server that takes the dot but fails before queueing it loses it too. Nobody gets a
message twice unless the server itself accepts one twice.

Temporary failures (4xx, connection errors) put the row back with an exponential delay;
a permanent one (5xx) marks it `failed` and counts against the row's digest subscription, if
it has one, which pauses after `PAUSE_AFTER` in a row. A message for a subscription that
stopped before it went out is cancelled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Engine,
    Integer,
    Row,
    String,
    Table,
    case,
    column,
    func,
    select,
    table,
    update,
)

from dailypapers.db.base import utcnow
from dailypapers.mail.addresses import envelope_address
from dailypapers.mail.mailbox import MailboxTransport, mailbox_folder
from dailypapers.mail.models import OutboxMessage
from dailypapers.mail.outbox import sender_address
from dailypapers.mail.smtp import (
    MailTransport,
    PermanentFailure,
    SmtpConfig,
    SmtpFailure,
    SmtpTransport,
    TemporaryFailure,
    UnconfirmedDelivery,
)
from dailypapers.mail.wire import wire_message
from dailypapers.settings import Settings

log = logging.getLogger(__name__)

PAUSE_AFTER = 3
BATCH = 200
REQUIRED_STATUS = {"digest": "active", "confirm": "pending", "manage": "active"}
outbox = cast(Table, OutboxMessage.__table__)
# The digest's subscriptions, which an outbox row may belong to (its foreign key), named at
# the SQL level only: the mail feature does not import the digest feature.
subscriptions = table(
    "subscriptions",
    column("id", Integer),
    column("status", String),
    column("permanent_failures", Integer),
)


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    unconfirmed: int = 0  # connection lost after the dot, or a stale claim: assumed sent
    retried: int = 0  # temporary failures put back for later
    failed: int = 0  # permanent failures
    gave_up: int = 0  # temporary failures past the last attempt
    cancelled: int = 0  # the subscription stopped before the message went out
    claimed_elsewhere: int = 0
    waiting: int = 0  # still queued when the run ended (retries due later)
    paused: int = 0  # subscriptions paused by this run

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def transport_for(settings: Settings) -> MailTransport:
    """SMTP from `SMTP_URL`; without one outside production, the development mailbox."""
    if settings.uses_mailbox:
        return MailboxTransport(mailbox_folder(settings.data_dir))
    if not settings.smtp_url:
        raise ValueError("DAILYPAPERS_SMTP_URL is not set: no mail can be sent in production")
    domain = sender_address(settings).rpartition("@")[2] or "localhost"
    return SmtpTransport(
        SmtpConfig.from_url(
            settings.smtp_url, timeout=settings.smtp_timeout_seconds, local_hostname=domain
        )
    )


class Deliverer:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        transport: MailTransport,
        *,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.transport = transport
        self.clock = clock
        self.sleep = sleep
        self.sender = sender_address(settings)
        self.report = DeliveryReport()
        self._down_until: datetime | None = None

    @property
    def stale_after(self) -> timedelta:
        return timedelta(seconds=2 * self.settings.smtp_timeout_seconds + 60)

    def run(self, *, max_wait: float = 0.0, ids: Sequence[int] | None = None) -> DeliveryReport:
        """Send what is due; wait up to `max_wait` seconds for retries that fall due."""
        self._resolve_stale()
        deadline = self.clock() + timedelta(seconds=max_wait)
        try:
            while True:
                rows = [] if self._down() else self._due(ids)
                if not rows:
                    wake = self._next_wake(ids)
                    if wake is None or wake > deadline:
                        break
                    self.sleep(max((wake - self.clock()).total_seconds(), 0.0))
                    continue
                for row in rows:
                    self._deliver_safely(row)
                    if self._down():
                        break
        finally:
            self.transport.close()
        self.report.waiting = self._count_queued(ids)
        return self.report

    # -- choosing rows

    def _filters(self, ids: Sequence[int] | None) -> list[Any]:
        return [outbox.c.id.in_(ids)] if ids is not None else []

    def _due(self, ids: Sequence[int] | None) -> list[Row[Any]]:
        query = (
            select(
                outbox,
                subscriptions.c.status.label("subscription_status"),
                subscriptions.c.permanent_failures,
            )
            .outerjoin(subscriptions, subscriptions.c.id == outbox.c.subscription_id)
            .where(outbox.c.status == "queued", outbox.c.next_attempt_at <= self.clock())
            .where(*self._filters(ids))
            .order_by(outbox.c.id)
            .limit(BATCH)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query))

    def _next_wake(self, ids: Sequence[int] | None) -> datetime | None:
        query = select(func.min(outbox.c.next_attempt_at)).where(
            outbox.c.status == "queued", *self._filters(ids)
        )
        with self.engine.connect() as conn:
            wake: datetime | None = conn.scalar(query)
        if wake is not None and self._down_until is not None:
            return max(wake, self._down_until)
        return wake

    def _down(self) -> bool:
        return self._down_until is not None and self.clock() < self._down_until

    def _count_queued(self, ids: Sequence[int] | None) -> int:
        query = select(func.count()).where(outbox.c.status == "queued", *self._filters(ids))
        with self.engine.connect() as conn:
            return conn.scalar(query) or 0

    # -- one message

    def _deliver_safely(self, row: Row[Any]) -> None:
        """One row's failure, whatever it is, is recorded on that row; the run goes on."""
        try:
            self._deliver(row)
        except Exception as exc:  # a run never stops for one row (a bug, damaged data)
            log.exception("message %s to %r could not be handled", row.id, row.to_addr)
            self.transport.abort()
            reason = PermanentFailure(0, f"cannot send: {type(exc).__name__}: {exc}")
            for was in ("queued", "sending"):
                self._finish_row(row, was, status="failed", error=str(reason))
            self.report.failed += 1

    def _deliver(self, row: Row[Any]) -> None:
        required = REQUIRED_STATUS.get(row.kind)
        if row.subscription_id is not None and required and row.subscription_status != required:
            self._finish_row(
                row,
                "queued",
                status="failed",
                error=f"cancelled: subscription is {row.subscription_status}",
            )
            self.report.cancelled += 1
            return
        try:
            envelope_address(row.to_addr)
            data = self._bytes(row)
            self.transport.begin(sender=self.sender, recipient=row.to_addr, data=data)
        except SmtpFailure as exc:
            self._failed(row, exc, claimed=False)
            return
        except ValueError as exc:  # a bad address or header in the row: never retried
            self.transport.abort()
            self._failed(row, PermanentFailure(0, f"cannot send: {exc}"), claimed=False)
            return
        if not self._claim(row.id):
            self.transport.abort()
            self.report.claimed_elsewhere += 1
            return
        try:
            self.transport.finish()
        except UnconfirmedDelivery as exc:
            self._sent(row, note=f"unconfirmed: {exc}")
        except SmtpFailure as exc:
            self._failed(row, exc, claimed=True)
        else:
            self._sent(row)

    def _bytes(self, row: Row[Any]) -> bytes:
        return wire_message(
            self.settings,
            to_addr=row.to_addr,
            subject=row.subject,
            message_id=row.message_id,
            body_text=row.body_text,
            body_html=row.body_html,
            headers=row.headers or {},
            date=self.clock(),
        )

    def _claim(self, outbox_id: int) -> bool:
        statement = (
            update(outbox)
            .where(outbox.c.id == outbox_id, outbox.c.status == "queued")
            .values(status="sending", attempts=outbox.c.attempts + 1, next_attempt_at=self.clock())
        )
        with self.engine.begin() as conn:
            return conn.execute(statement).rowcount == 1

    def _sent(self, row: Row[Any], note: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == row.id)
                .values(status="sent", sent_at=self.clock(), last_error=note)
            )
            if row.permanent_failures:  # a delivery ends a run of failures
                conn.execute(
                    update(subscriptions)
                    .where(subscriptions.c.id == row.subscription_id)
                    .values(permanent_failures=0)
                )
        if note:
            self.report.unconfirmed += 1
            log.warning("message %s to %s: %s", row.id, row.to_addr, note)
        else:
            self.report.sent += 1

    def _failed(self, row: Row[Any], exc: SmtpFailure, *, claimed: bool) -> None:
        was = "sending" if claimed else "queued"
        attempts = row.attempts + 1
        if isinstance(exc, TemporaryFailure):
            if exc.code == 0:  # the server is unreachable: hold every message for a while
                self._down_until = self.clock() + self._backoff(attempts)
            if attempts < self.settings.smtp_max_attempts:
                self._finish_row(
                    row,
                    was,
                    status="queued",
                    error=str(exc),
                    attempts=attempts,
                    next_attempt_at=self.clock() + self._backoff(attempts),
                )
                self.report.retried += 1
                return
            self._finish_row(
                row,
                was,
                status="failed",
                error=f"gave up after {attempts} attempts: {exc}",
                attempts=attempts,
            )
            self.report.gave_up += 1
            return
        self._finish_row(
            row, was, status="failed", error=str(exc), attempts=attempts, permanent=True
        )
        self.report.failed += 1

    def _backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=self.settings.smtp_retry_seconds * 2 ** (attempts - 1))

    def _finish_row(
        self,
        row: Row[Any],
        was: str,
        *,
        status: str,
        error: str,
        permanent: bool = False,
        **values: Any,
    ) -> None:
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(outbox)
                .where(outbox.c.id == row.id, outbox.c.status == was)
                .values(status=status, last_error=error[:2000], **values)
            ).rowcount
            if changed and permanent and row.subscription_id is not None:
                self.report.paused += self._count_failure(conn, row.subscription_id)
        if changed:
            log.info("message %s to %r: %s (%s)", row.id, row.to_addr, status, error)

    def _count_failure(self, conn: Any, subscription_id: int) -> int:
        failures = subscriptions.c.permanent_failures + 1
        pause = (failures >= PAUSE_AFTER) & (subscriptions.c.status == "active")
        conn.execute(
            update(subscriptions)
            .where(subscriptions.c.id == subscription_id)
            .values(
                permanent_failures=failures,
                status=case((pause, "paused"), else_=subscriptions.c.status),
            )
        )
        status, count = conn.execute(
            select(subscriptions.c.status, subscriptions.c.permanent_failures).where(
                subscriptions.c.id == subscription_id
            )
        ).one()
        return 1 if status == "paused" and count == PAUSE_AFTER else 0

    def _resolve_stale(self) -> None:
        """Claims older than `stale_after` belong to a dead sender: assume they went out."""
        cutoff = self.clock() - self.stale_after
        with self.engine.begin() as conn:
            self.report.unconfirmed += conn.execute(
                update(outbox)
                .where(outbox.c.status == "sending", outbox.c.next_attempt_at < cutoff)
                .values(
                    status="sent",
                    sent_at=outbox.c.next_attempt_at,
                    last_error="unconfirmed: the sender stopped after claiming it; not resent",
                )
            ).rowcount


def deliver_outbox(
    engine: Engine,
    settings: Settings,
    *,
    transport: MailTransport | None = None,
    max_wait: float = 0.0,
    ids: Sequence[int] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> DeliveryReport:
    deliverer = Deliverer(engine, settings, transport or transport_for(settings), clock=clock)
    return deliverer.run(max_wait=max_wait, ids=ids)
