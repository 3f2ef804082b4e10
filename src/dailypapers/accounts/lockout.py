"""Back-off after failed log-ins: a counter per login name, kept in the database.

After FREE_FAILURES failures in a row, the name is locked for LOCK_SECONDS, doubling with
each further failure up to MAX_LOCK_SECONDS. Every web process sees the same rows, so the
back-off holds across processes and machines. A successful log-in clears the counter.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dailypapers.accounts.models import LoginFailure

FREE_FAILURES = 5
LOCK_SECONDS = 30.0
MAX_LOCK_SECONDS = 3600.0


def login_key(login: str) -> str:
    return login.strip().lower()[:320]


def lock_seconds(failures: int) -> float:
    """How long `failures` failures in a row lock the name (0: not locked)."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(LOCK_SECONDS * 2 ** (failures - FREE_FAILURES), MAX_LOCK_SECONDS))


def seconds_locked(session: Session, *, login: str, now: datetime) -> float:
    row = session.get(LoginFailure, login_key(login))
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 0.0
    return (row.locked_until - now).total_seconds()


def record_failure(session: Session, *, login: str, now: datetime) -> float:
    """Count one failure; returns the seconds the name is now locked for."""
    key = login_key(login)
    bumped = session.execute(
        update(LoginFailure)
        .where(LoginFailure.login == key)
        .values(failures=LoginFailure.failures + 1, last_failed_at=now)
        .returning(LoginFailure.failures)
    ).scalar_one_or_none()
    if bumped is None:
        try:
            with session.begin_nested():
                session.add(LoginFailure(login=key, failures=1, last_failed_at=now))
            bumped = 1
        except IntegrityError:  # another process inserted it first: count on its row
            return record_failure(session, login=login, now=now)
    wait = lock_seconds(bumped)
    if wait:
        session.execute(
            update(LoginFailure)
            .where(LoginFailure.login == key)
            .values(locked_until=now + timedelta(seconds=wait))
        )
    return wait


def clear_failures(session: Session, *, login: str) -> None:
    row = session.get(LoginFailure, login_key(login))
    if row is not None:
        session.delete(row)
        session.flush()
