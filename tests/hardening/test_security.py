"""Rate limits (429 + Retry-After) on every limited action, and the log-in back-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from dailypapers.accounts.lockout import (
    DECAY,
    FREE_FAILURES,
    LOCK_SECONDS,
    PRUNE_AFTER,
    delay_seconds,
    lock_seconds,
    prune,
    record_failure,
)
from dailypapers.accounts.models import LoginFailure
from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.ratelimit import LIMITS, SWEEP_EVERY, DatabaseRateLimiter, Limit, RateLimiter
from tests.hardening.conftest import TokenUser
from tests.web.helpers import csrf, post_form, sign_up

ALLOWED = 2  # each limit shrunk to this many hits a minute, so the test stays short


@pytest.fixture
def tight(client: TestClient) -> TestClient:
    app = client.app
    app.state.rate_limiter = DatabaseRateLimiter(  # type: ignore[attr-defined]
        {action: Limit(ALLOWED, 60) for action in LIMITS},
        app.state.engine,  # type: ignore[attr-defined]
    )
    return client


def _limited(responses: list[Response], action: str) -> None:
    codes = [r.status_code for r in responses]
    assert 429 not in codes[:ALLOWED], (action, codes)
    assert codes[ALLOWED] == 429, (action, codes)
    last = responses[ALLOWED]
    assert 0 < int(last.headers["retry-after"]) <= 60
    assert f"Too many {action} attempts" in last.text


def test_login_and_signup_limits(tight: TestClient) -> None:
    csrf(tight)
    logins = [
        post_form(tight, "/login", {"login": f"x{n}", "password": "whatever1"})
        for n in range(ALLOWED + 1)
    ]
    _limited(logins, "login")
    signups = [
        post_form(
            tight,
            "/signup",
            {"email": f"u{n}@example.org", "username": f"u{n}", "password": "long enough"},
        )
        for n in range(ALLOWED + 1)
    ]
    _limited(signups, "signup")


@pytest.mark.usefixtures("papers")
def test_submit_vote_and_search_limits(
    tight: TestClient, token_user: TokenUser, papers: list[str]
) -> None:
    auth = token_user.headers
    submits = [
        tight.post("/api/daily_papers", json={"arxiv": "not an id"}, headers=auth)
        for _ in range(ALLOWED + 1)
    ]
    _limited(submits, "submit")
    votes = [
        tight.post(f"/api/papers/{papers[0]}/upvote", headers=auth) for _ in range(ALLOWED + 1)
    ]
    _limited(votes, "vote")
    searches = [
        tight.get("/api/papers/search", params={"q": f"attention {n}", "mode": "keyword"})
        for n in range(ALLOWED + 1)
    ]
    _limited(searches, "search")


@pytest.mark.usefixtures("papers")
def test_form_submit_and_vote_limits(tight: TestClient, papers: list[str]) -> None:
    sign_up(tight, "former")  # one sign-up of the two allowed
    forms = [post_form(tight, "/submit", {"arxiv": "nonsense"}) for _ in range(ALLOWED + 1)]
    _limited(forms, "submit")
    votes = [post_form(tight, f"/papers/{papers[1]}/upvote") for _ in range(ALLOWED + 1)]
    _limited(votes, "vote")


def _login(client: TestClient, login: str, password: str) -> Response:
    return post_form(client, "/login", {"login": login, "password": password})


def _expire_lock(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session.execute(update(LoginFailure).values(locked_until=utcnow() - timedelta(seconds=1)))


def test_failed_logins_back_off_exponentially_across_processes(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    sign_up(client, "victim", password="the right password")
    post_form(client, "/logout")
    for n in range(FREE_FAILURES):  # by name and by address: one account, one counter
        login = "victim" if n % 2 else "Victim@example.org"
        assert _login(client, login, "wrong password").status_code == 401
    locked = _login(client, "Victim", "the right password")  # from this address, it waits
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= LOCK_SECONDS
    assert "Too many failed log-ins for this account" in locked.text
    other_process = create_app(settings)  # another web process sees the same lock
    with TestClient(other_process) as second:
        assert _login(second, "victim", "the right password").status_code == 429
    other_process.state.engine.dispose()
    _expire_lock(engine)
    assert _login(client, "victim", "wrong again").status_code == 401
    longer = _login(client, "victim", "the right password")
    assert longer.status_code == 429
    assert LOCK_SECONDS < int(longer.headers["retry-after"]) <= 2 * LOCK_SECONDS
    _expire_lock(engine)
    assert _login(client, "victim", "the right password").status_code == 303
    with unit_of_work(engine) as session:  # success clears this address's counter
        keys = set(session.scalars(select(LoginFailure.login)))
        assert not any(key.endswith("|testclient") for key in keys), keys
    # ten log-ins a minute per address, counted across both processes: start afresh
    client.app.state.rate_limiter.reset()  # type: ignore[attr-defined]
    assert _login(client, "someone-else", "wrong password").status_code == 401


def test_a_stranger_cannot_lock_the_owner_out(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr("dailypapers.web.account.auth.pause", waits.append)
    sign_up(client, "owner", password="the right password")
    post_form(client, "/logout")
    app = create_app(settings)
    for n in range(3):  # guessing from three addresses: each is locked out in turn
        with TestClient(app, client=(f"203.0.113.{n}", 40000)) as stranger:
            for _ in range(FREE_FAILURES):
                assert _login(stranger, "owner", "guess").status_code == 401
            assert _login(stranger, "owner", "the right password").status_code == 429
    app.state.engine.dispose()
    owner = _login(client, "owner", "the right password")  # the owner's address is not
    assert owner.status_code == 303
    assert waits[-1] == delay_seconds(3 * FREE_FAILURES) > 0  # slowed down, not refused


def test_counters_decay_and_old_ones_are_pruned(session: Session) -> None:
    now = utcnow()
    for _ in range(FREE_FAILURES - 1):
        record_failure(session, account="user:1", client="a", now=now - 2 * DECAY)
    assert record_failure(session, account="user:1", client="a", now=now) == 0  # decayed
    record_failure(session, account="user:2", client="b", now=now - 2 * PRUNE_AFTER)
    assert prune(session, now=now) == 2  # user:2's pair and its every-address row
    assert set(session.scalars(select(LoginFailure.login))) == {"user:1|a", "user:1|*"}


def test_lock_grows_and_is_capped() -> None:
    assert lock_seconds(FREE_FAILURES - 1) == 0
    assert lock_seconds(FREE_FAILURES) == LOCK_SECONDS
    assert lock_seconds(FREE_FAILURES + 3) == 8 * LOCK_SECONDS
    assert lock_seconds(FREE_FAILURES + 40) == 3600


def test_the_limiter_forgets_clients_whose_window_has_passed() -> None:
    """A public site sees endless addresses: the limiter must not keep every one."""
    limiter = RateLimiter({"search": Limit(3, 60), "signup": Limit(5, 3600)})
    for n in range(SWEEP_EVERY - 1):
        assert limiter.hit("search", f"10.0.{n // 250}.{n % 250}", now=0.0) == 0.0
    limiter.hit("signup", "10.9.9.9", now=0.0)  # a longer window: still held later
    assert limiter.tracked() == SWEEP_EVERY
    for n in range(SWEEP_EVERY):  # a minute later, one client keeps searching
        limiter.hit("search", "10.8.8.8", now=61.0 + n / 1000)
    assert limiter.tracked() == 2  # the searcher and the sign-up, nobody else
    assert limiter.hit("search", "10.8.8.8", now=62.0) > 0  # its own limit still holds
