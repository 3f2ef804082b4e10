"""Schedules: slots of daily and interval jobs, and unreadable schedule texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dailypapers.jobs.schedule import Schedule, ScheduleError


def _at(hour: int, minute: int = 0, day: int = 19) -> datetime:
    return datetime(2026, 2, day, hour, minute, tzinfo=UTC)


def test_daily_slots_start_at_the_time_of_day() -> None:
    daily = Schedule.parse("daily 01:30")
    assert daily is not None
    assert daily.slot(_at(1, 29)) == "2026-02-18"  # before today's time: yesterday's slot
    assert daily.slot(_at(1, 30)) == "2026-02-19"
    assert daily.slot(_at(23, 59)) == "2026-02-19"
    assert daily.next_start(_at(12)) == _at(1, 30, day=20)


def test_interval_slots() -> None:
    every = Schedule.parse("every 30m")
    assert every is not None and every.every == timedelta(minutes=30)
    assert every.slot(_at(10, 29)) == "2026-02-19T10:00:00"
    assert every.slot(_at(10, 30)) == "2026-02-19T10:30:00"
    assert Schedule.parse("Every  6H") == Schedule(every=timedelta(hours=6))


def test_off_and_bad_texts() -> None:
    assert Schedule.parse("off") is None
    for text in ("daily 25:00", "weekly", "every 0m", "daily 1"):
        with pytest.raises(ScheduleError):
            Schedule.parse(text)
