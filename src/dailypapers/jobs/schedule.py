"""When a job runs: `daily HH:MM` (UTC), `every 30m` / `every 6h`, or `off`.

A schedule cuts time into slots, each named by its start (`2026-02-19` for a daily job,
`2026-02-19T10:30` for an interval). A job is due when its current slot has no run yet; the
unique (job, slot) key of `job_runs` lets exactly one worker claim it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

_DAILY = re.compile(r"^daily\s+(\d{1,2}):(\d{2})$")
_EVERY = re.compile(r"^every\s+(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class ScheduleError(ValueError):
    """A schedule text that cannot be read."""


@dataclass(frozen=True, slots=True)
class Schedule:
    at: time | None = None  # daily at this UTC time
    every: timedelta | None = None  # or at this interval, counted from 1970-01-01 UTC

    @classmethod
    def parse(cls, text: str) -> Schedule | None:
        """The schedule written in `text`; None for `off`."""
        spec = " ".join(text.strip().lower().split())
        if spec in ("off", "never", ""):
            return None
        if match := _DAILY.match(spec):
            hour, minute = int(match[1]), int(match[2])
            if hour > 23 or minute > 59:
                raise ScheduleError(f"{text!r}: no such time of day")
            return cls(at=time(hour, minute))
        if match := _EVERY.match(spec):
            interval = timedelta(**{_UNITS[match[2]]: int(match[1])})
            if interval < timedelta(seconds=1):
                raise ScheduleError(f"{text!r}: the interval must be positive")
            return cls(every=interval)
        raise ScheduleError(
            f"{text!r}: write 'daily HH:MM' (UTC), 'every 30m', 'every 6h' or 'off'"
        )

    def slot_start(self, now: datetime) -> datetime:
        """The start of the slot `now` falls in (the latest due time at or before `now`)."""
        now = now.astimezone(UTC)
        if self.at is not None:
            today = datetime.combine(now.date(), self.at, tzinfo=UTC)
            return today if now >= today else today - timedelta(days=1)
        assert self.every is not None
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        return epoch + ((now - epoch) // self.every) * self.every

    def slot(self, now: datetime) -> str:
        start = self.slot_start(now)
        if self.at is not None:
            return start.date().isoformat()
        return start.strftime("%Y-%m-%dT%H:%M:%S")

    def next_start(self, now: datetime) -> datetime:
        """When the next slot begins."""
        step = timedelta(days=1) if self.at is not None else self.every
        assert step is not None
        return self.slot_start(now) + step
