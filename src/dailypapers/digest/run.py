"""`digest send`: compose the due periods' digests into the outbox, then deliver the outbox.

The CLI command and the worker's job both call `send_digests`; the side effect (email)
happens only after the composing transaction has committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine

from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.digest.compose import ComposeReport, compose_period
from dailypapers.digest.schedule import Period, PeriodKind, due_periods, period_for
from dailypapers.mail.delivery import DeliveryReport, deliver_outbox
from dailypapers.mail.outbox import prune_bodies
from dailypapers.mail.smtp import MailTransport
from dailypapers.settings import Settings

KEEP_BODIES = timedelta(days=14)  # then a sent message keeps its row but not its text


@dataclass(slots=True)
class DigestRun:
    day: date
    dry_run: bool
    periods: list[ComposeReport] = field(default_factory=list)
    delivery: DeliveryReport | None = None
    pruned: int = 0  # bodies of old messages emptied

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "dry_run": self.dry_run,
            "periods": [p.as_dict() for p in self.periods],
            "delivery": self.delivery.as_dict() if self.delivery else None,
            "pruned": self.pruned,
        }


def periods_to_send(settings: Settings, day: date, kind: PeriodKind | None) -> list[Period]:
    """The periods due on `day`, or the one asked for (sent even on another weekday)."""
    if kind is None:
        return due_periods(settings, day)
    return [period_for(settings, kind, day)]


def send_digests(
    engine: Engine,
    settings: Settings,
    *,
    day: date,
    kind: PeriodKind | None = None,
    dry_run: bool = False,
    max_wait: float = 0.0,
    transport: MailTransport | None = None,
) -> DigestRun:
    run = DigestRun(day=day, dry_run=dry_run)
    for period in periods_to_send(settings, day, kind):
        run.periods.append(compose_period(engine, settings, period=period, dry_run=dry_run))
    if not dry_run:
        run.delivery = deliver_outbox(engine, settings, transport=transport, max_wait=max_wait)
        with unit_of_work(engine) as session:
            run.pruned = prune_bodies(session, before=utcnow() - KEEP_BODIES)
    return run
