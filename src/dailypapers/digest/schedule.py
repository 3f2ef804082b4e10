"""When digests go out and which listing days each one covers.

A digest sent on day D covers the papers listed since the previous digest of its kind:
a daily digest the listing days `[previous sending day, D)` (Monday's covers Friday to
Sunday when daily digests go out on weekdays), a weekly digest the seven days before D.
Its key, such as `daily:2026-02-20`, is unique per subscription in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from dailypapers.settings import Settings

PeriodKind = Literal["daily", "weekly"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("daily", "weekly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleError(ValueError):
    """A weekday list in the settings that cannot be read."""


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    send_date: date
    since: date  # first listing day covered
    until: date  # first listing day not covered

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.send_date.isoformat()}"

    @property
    def ranked_at(self) -> datetime:
        """The moment the period's trending ranking is taken: its end, 00:00 UTC."""
        return datetime.combine(self.until, time(0), tzinfo=UTC)


def parse_weekdays(text: str, *, setting: str) -> frozenset[int]:
    """'mon,tue' -> {0, 1}; an unknown name is an error naming the setting."""
    days = set()
    for name in (part.strip().casefold()[:3] for part in text.split(",")):
        if name not in WEEKDAYS:
            raise ScheduleError(
                f"DAILYPAPERS_{setting.upper()}: {name!r} is not a weekday "
                f"(use {', '.join(WEEKDAYS)})"
            )
        days.add(WEEKDAYS.index(name))
    if not days:
        raise ScheduleError(f"DAILYPAPERS_{setting.upper()} names no weekday")
    return frozenset(days)


def sending_days(settings: Settings, kind: PeriodKind) -> frozenset[int]:
    if kind == "daily":
        return parse_weekdays(settings.digest_daily_days, setting="digest_daily_days")
    days = parse_weekdays(settings.digest_weekly_day, setting="digest_weekly_day")
    if len(days) != 1:
        raise ScheduleError("DAILYPAPERS_DIGEST_WEEKLY_DAY must name exactly one weekday")
    return days


def period_for(settings: Settings, kind: PeriodKind, send_date: date) -> Period:
    """The period a digest of `kind` sent on `send_date` covers (due or not)."""
    if kind == "weekly":
        return Period(kind, send_date, send_date - timedelta(days=7), send_date)
    days = sending_days(settings, "daily")
    previous = send_date - timedelta(days=1)
    while previous.weekday() not in days:
        previous -= timedelta(days=1)
    return Period(kind, send_date, previous, send_date)


def is_due(settings: Settings, kind: PeriodKind, day: date) -> bool:
    return day.weekday() in sending_days(settings, kind)


def due_periods(settings: Settings, day: date) -> list[Period]:
    """The periods whose digests go out on `day`: daily on its days, weekly on its day."""
    return [period_for(settings, kind, day) for kind in PERIOD_KINDS if is_due(settings, kind, day)]
