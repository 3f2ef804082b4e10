"""Rate limits counted in the database: every limiter on the same database shares one count."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from dailypapers.db.engine import make_engine
from dailypapers.web.ratelimit import SWEEP_EVERY, DatabaseRateLimiter, Limit

TEN = {"subscribe": Limit(10, 3600), "search": Limit(3, 60)}


def test_two_limiters_on_one_database_allow_the_limit_once(db_url: str, engine: Engine) -> None:
    other_engine = make_engine(db_url)  # another process's engine: connections of its own
    first, second = DatabaseRateLimiter(TEN, engine), DatabaseRateLimiter(TEN, other_engine)
    waits = [(first, second)[n % 2].hit("subscribe", "10.0.0.1", now=100.0) for n in range(14)]
    assert waits[:10] == [0.0] * 10
    assert all(wait > 0 for wait in waits[10:])
    assert waits[10] == 3600  # until the window opened by the first hit ends
    assert first.hit("subscribe", "10.0.0.2", now=100.0) == 0.0  # another client: its own
    assert second.hit("subscribe", "10.0.0.1", now=3699.0) == 1.0
    assert second.hit("subscribe", "10.0.0.1", now=3700.0) == 0.0  # a new window
    other_engine.dispose()


def test_concurrent_hits_never_pass_the_limit(db_url: str, engine: Engine) -> None:
    engines = [engine, make_engine(db_url)]
    limiters = [DatabaseRateLimiter(TEN, e) for e in engines]

    def hit(n: int) -> float:
        return limiters[n % 2].hit("subscribe", "10.0.0.9")

    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(hit, range(40)))
    assert waits.count(0.0) == 10
    engines[1].dispose()


def test_ended_windows_are_pruned(engine: Engine) -> None:
    limiter = DatabaseRateLimiter(TEN, engine)
    for n in range(SWEEP_EVERY - 1):
        assert limiter.hit("search", f"10.0.{n // 250}.{n % 250}", now=0.0) == 0.0
    limiter.hit("subscribe", "10.9.9.9", now=0.0)  # a longer window: still held later
    assert limiter.tracked() == SWEEP_EVERY
    for n in range(SWEEP_EVERY):  # a minute later, one client keeps searching
        limiter.hit("search", "10.8.8.8", now=61.0 + n / 1000)
    assert limiter.tracked() == 2  # the searcher and the subscriber, nobody else
    assert limiter.hit("search", "10.8.8.8", now=62.0) > 0  # its own limit still holds
