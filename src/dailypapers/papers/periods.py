"""Days, ISO weeks and months as listing periods: parsing, labels, neighbours."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, NoReturn

from dailypapers.papers.period_patterns import DAY_PATTERN, MONTH_PATTERN, WEEK_PATTERN

PeriodKind = Literal["day", "week", "month"]
SpanKind = Literal["day", "week", "month", "range"]
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_SHAPES = {
    "day": re.compile(DAY_PATTERN),
    "week": re.compile(WEEK_PATTERN),
    "month": re.compile(MONTH_PATTERN),
}
_FORMS = {"day": r"^\d{4}-\d{2}-\d{2}$", "week": _WEEK.pattern, "month": _MONTH.pattern}


class PeriodError(ValueError):
    """A period string that is not a real day, week or month."""


@dataclass(frozen=True, slots=True)
class Period:
    kind: SpanKind
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        """The canonical string: 2026-02-19, 2026-W08 or 2026-02."""
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "range":
            return f"{self.start.isoformat()}..{self.end.isoformat()}"
        return f"{self.start:%Y-%m}"

    @property
    def title(self) -> str:
        if self.kind == "day":
            return f"{self.start:%b} {self.start.day}, {self.start.year}"
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"Week {week}, {year}"
        if self.kind == "range":
            return (
                f"{self.start:%b} {self.start.day} to {self.end:%b} {self.end.day}, {self.end.year}"
            )
        return f"{self.start:%B %Y}"

    def shifted(self, steps: int) -> Period | None:
        """The period `steps` periods later (or earlier); None past year 1 or 9999."""
        try:
            return self._shifted(steps)
        except (OverflowError, ValueError):
            return None

    def _shifted(self, steps: int) -> Period:
        if self.kind == "day":
            return day_period(self.start + timedelta(days=steps))
        if self.kind == "week":
            return week_containing(self.start + timedelta(weeks=steps))
        if self.kind == "range":
            length = (self.end - self.start).days + 1
            return days_ending(self.end + timedelta(days=steps * length), length)
        months = self.start.year * 12 + self.start.month - 1 + steps
        return month_period(months // 12, months % 12 + 1)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def day_period(day: date) -> Period:
    return Period("day", day, day)


def days_ending(end: date, days: int) -> Period:
    """The `days` days up to and including `end`."""
    return Period("range", end - timedelta(days=days - 1), end)


def week_containing(day: date) -> Period:
    start = day - timedelta(days=day.weekday())
    last = date.max - timedelta(days=6)  # 9999-W52 ends on 9999-12-31: clamped
    return Period("week", start, start + timedelta(days=6) if start <= last else date.max)


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    return Period("month", start, start.replace(day=calendar.monthrange(year, month)[1]))


def period_of_kind(kind: SpanKind, day: date) -> Period:
    """The day, ISO week or month holding `day` (a range keeps its length, ending on `day`)."""
    if kind == "week":
        return week_containing(day)
    if kind == "month":
        return month_period(day.year, day.month)
    return day_period(day)


def parse_period(kind: PeriodKind, text: str) -> Period:
    """Parse `2026-02-19`, `2026-W08` or `2026-02`; PeriodError names what is wrong.

    Exactly the strings of `period_patterns` are accepted (what the API's schema publishes).
    """
    if not _SHAPES[kind].match(text):
        if re.match(_FORMS[kind], text):  # the right form, but not in the calendar
            raise PeriodError(f"{text!r} is not a valid {kind}: there is no such {kind}")
        _bad(text, kind)
    try:
        if kind == "day":
            return day_period(date.fromisoformat(text))
        if kind == "week" and (match := _WEEK.match(text)):
            return week_containing(date.fromisocalendar(int(match[1]), int(match[2]), 1))
        if kind == "month" and (match := _MONTH.match(text)):
            return month_period(int(match[1]), int(match[2]))
    except (ValueError, OverflowError) as exc:
        raise PeriodError(f"{text!r} is not a valid {kind}: {exc}") from None
    return _bad(text, kind)


def _bad(text: str, kind: PeriodKind) -> NoReturn:
    formats = {"day": "YYYY-MM-DD", "week": "YYYY-Www", "month": "YYYY-MM"}
    raise PeriodError(f"{text!r} is not a valid {kind}; expected {formats[kind]}")
