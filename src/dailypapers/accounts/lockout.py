"""Back-off after failed log-ins, kept in the database so every process sees it.

Failures are counted per account *and* client address: the login name is resolved to its
account first (username and email share one counter), and a key is `user:<id>|<address>`
(`name:<login>|<address>` for a name without an account). After FREE_FAILURES failures in a
row that pair is locked for LOCK_SECONDS, doubling per further failure up to
MAX_LOCK_SECONDS; the owner logging in from another address is not affected.

Every failure also counts on the account's row for all addresses (`user:<id>|*`), which
never locks: past SLOW_AFTER failures each log-in to the account is slowed down (up to
MAX_DELAY_SECONDS), which blunts guessing from many addresses without refusing the owner.

Counters decay: one idle for DECAY starts again from one. `prune` deletes rows idle for
PRUNE_AFTER whose lock has passed (the worker's `accounts-prune` job runs it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dailypapers.accounts.models import LoginFailure, User

FREE_FAILURES = 5
LOCK_SECONDS = 30.0
MAX_LOCK_SECONDS = 3600.0
DECAY = timedelta(hours=1)
PRUNE_AFTER = timedelta(days=1)
SLOW_AFTER = 10
DELAY_STEP_SECONDS = 0.25
MAX_DELAY_SECONDS = 3.0
EVERY_ADDRESS = "*"


def login_key(login: str) -> str:
    return login.strip().lower()[:200]


def account_of(session: Session, *, login: str) -> str:
    """The account a login name means: `user:<id>` by username or email, else the name."""
    name = login_key(login)
    user_id = session.scalar(
        select(User.id).where(or_(func.lower(User.username) == name, User.email == name))
    )
    return f"user:{user_id}" if user_id is not None else f"name:{name}"


def failure_key(account: str, client: str) -> str:
    return f"{account}|{client}"[:320]


def lock_seconds(failures: int) -> float:
    """How long `failures` failures in a row lock the pair (0: not locked)."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(LOCK_SECONDS * 2 ** (failures - FREE_FAILURES), MAX_LOCK_SECONDS))


def delay_seconds(failures: int) -> float:
    """How long a log-in to an account waits after `failures` recent failures on it."""
    if failures < SLOW_AFTER:
        return 0.0
    return min(DELAY_STEP_SECONDS * (failures - SLOW_AFTER + 1), MAX_DELAY_SECONDS)


def seconds_locked(session: Session, *, key: str, now: datetime) -> float:
    row = session.get(LoginFailure, key)
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 0.0
    return (row.locked_until - now).total_seconds()


def slowdown(session: Session, *, account: str, now: datetime) -> float:
    row = session.get(LoginFailure, failure_key(account, EVERY_ADDRESS))
    if row is None or row.last_failed_at <= now - DECAY:
        return 0.0
    return delay_seconds(row.failures)


def record_failure(session: Session, *, account: str, client: str, now: datetime) -> float:
    """Count one failure for the pair and the account; returns the pair's lock in seconds."""
    _bump(session, failure_key(account, EVERY_ADDRESS), now)
    key = failure_key(account, client)
    wait = lock_seconds(_bump(session, key, now))
    if wait:
        session.execute(
            update(LoginFailure)
            .where(LoginFailure.login == key)
            .values(locked_until=now + timedelta(seconds=wait))
        )
    return wait


def _bump(session: Session, key: str, now: datetime) -> int:
    """One more failure on `key` (a counter idle for DECAY starts again); the new count."""
    decayed = LoginFailure.last_failed_at <= now - DECAY
    bumped = session.execute(
        update(LoginFailure)
        .where(LoginFailure.login == key)
        .values(failures=case((decayed, 1), else_=LoginFailure.failures + 1), last_failed_at=now)
        .returning(LoginFailure.failures)
    ).scalar_one_or_none()
    if bumped is not None:
        return int(bumped)
    try:
        with session.begin_nested():
            session.add(LoginFailure(login=key, failures=1, last_failed_at=now))
    except IntegrityError:  # another process inserted it first: count on its row
        return _bump(session, key, now)
    return 1


def clear_failures(session: Session, *, account: str, client: str) -> None:
    """A successful log-in clears its pair (not the account's count over all addresses)."""
    session.execute(delete(LoginFailure).where(LoginFailure.login == failure_key(account, client)))


def clear_account(session: Session, *, user: User) -> None:
    """A password reset clears every counter of the account."""
    prefix = f"user:{user.id}|"
    session.execute(
        delete(LoginFailure).where(LoginFailure.login.startswith(prefix, autoescape=True))
    )


def prune(session: Session, *, now: datetime) -> int:
    """Delete counters idle for PRUNE_AFTER whose lock has passed; returns how many."""
    result = session.execute(
        delete(LoginFailure).where(
            LoginFailure.last_failed_at < now - PRUNE_AFTER,
            or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until < now),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
