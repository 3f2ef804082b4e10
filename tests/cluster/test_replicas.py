"""Reads on a real streaming replica: served by it, read-your-writes, lag and stop fallbacks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from dailypapers.db.engine import make_engine, unit_of_work
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from tests.cluster.replica import StreamingPair
from tests.factories import make_paper
from tests.web.helpers import post_form, sign_up

DAY = date(2026, 2, 19)
LIST = "/api/daily_papers?date=2026-02-19"


@pytest.fixture
def primary(replication: StreamingPair, replicated_db: str) -> Iterator[Engine]:
    engine = make_engine(replication.primary_database_url(replicated_db))
    yield engine
    engine.dispose()


def _app_settings(pair: StreamingPair, name: str, tmp_path: Path, max_lag: float) -> Settings:
    return Settings(
        env="test",
        database_url=pair.primary_database_url(name),
        database_replica_urls=pair.replica_url(name),
        replica_max_lag_seconds=max_lag,
        data_dir=tmp_path / "var",
        secret_key="test-secret-key-not-for-production",
        base_url="http://testserver",
        embedder="none",
    )


def _replay(pair: StreamingPair, name: str, *, paused: bool) -> None:
    replica = create_engine(pair.replica_url(name), isolation_level="AUTOCOMMIT")
    call = "pg_wal_replay_pause()" if paused else "pg_wal_replay_resume()"
    with replica.connect() as conn:
        conn.execute(text(f"SELECT {call}"))
    replica.dispose()


def _titles(client: TestClient) -> set[str]:
    response = client.get(LIST)
    assert response.status_code == 200, response.text
    return {entry["title"] for entry in _entries(response.json())}


def _entries(body: object) -> list[dict[str, object]]:
    items = body if isinstance(body, list) else body["papers"]  # type: ignore[index]
    return [item.get("paper", item) for item in items]


def _paper(pair: StreamingPair, name: str, primary: Engine, title: str) -> str:
    with unit_of_work(primary) as session:
        key = make_paper(session, title=title, listed_on=DAY).key
    return key


def test_reads_use_the_replica_and_a_writer_reads_its_own_write(
    replication: StreamingPair, replicated_db: str, primary: Engine, tmp_path: Path
) -> None:
    key = _paper(replication, replicated_db, primary, "Seen everywhere")
    replication.wait_replayed(replicated_db)
    app = create_app(_app_settings(replication, replicated_db, tmp_path, max_lag=120))
    try:
        with TestClient(app) as anonymous, TestClient(app) as voter:
            assert _titles(anonymous) == {"Seen everywhere"}
            _replay(replication, replicated_db, paused=True)  # the replica stops applying
            _paper(replication, replicated_db, primary, "Only on the primary")
            assert _titles(anonymous) == {"Seen everywhere"}  # read from the replica
            sign_up(voter, "voter")  # a write: this client now reads from the primary
            assert post_form(voter, f"/papers/{key}/upvote").status_code == 303
            assert _titles(voter) == {"Seen everywhere", "Only on the primary"}
            mine = voter.get(f"/api/papers/{key}").json()
            assert mine["upvotes"] == 1  # its own vote, right after the redirect
            assert anonymous.get(f"/api/papers/{key}").json()["upvotes"] == 0  # replica
            _replay(replication, replicated_db, paused=False)
            replication.wait_replayed(replicated_db)
            assert _titles(anonymous) == {"Seen everywhere", "Only on the primary"}
    finally:
        _replay(replication, replicated_db, paused=False)
        app.state.engine.dispose()
        app.state.replicas.dispose()


def test_a_lagging_replica_is_skipped_until_it_catches_up(
    replication: StreamingPair, replicated_db: str, primary: Engine, tmp_path: Path
) -> None:
    _paper(replication, replicated_db, primary, "Old")
    replication.wait_replayed(replicated_db)
    app = create_app(_app_settings(replication, replicated_db, tmp_path, max_lag=1))
    try:
        with TestClient(app) as anonymous:
            _replay(replication, replicated_db, paused=True)
            _paper(replication, replicated_db, primary, "New")
            time.sleep(2.2)  # lag > 1 s, and the last check is older than a second
            assert _titles(anonymous) == {"Old", "New"}  # the primary answered
            assert app.state.replicas.replicas[0].usable is False
            _replay(replication, replicated_db, paused=False)
            replication.wait_replayed(replicated_db)
            time.sleep(3.2)  # a skipped replica is checked again after DOWN_SECONDS
            assert _titles(anonymous) == {"Old", "New"}
            assert app.state.replicas.replicas[0].usable is True
    finally:
        _replay(replication, replicated_db, paused=False)
        app.state.engine.dispose()
        app.state.replicas.dispose()


def test_a_stopped_replica_sends_reads_to_the_primary_without_errors(
    replication: StreamingPair, replicated_db: str, primary: Engine, tmp_path: Path
) -> None:
    _paper(replication, replicated_db, primary, "Kept")
    replication.wait_replayed(replicated_db)
    app = create_app(_app_settings(replication, replicated_db, tmp_path, max_lag=120))
    try:
        with TestClient(app) as anonymous:
            assert _titles(anonymous) == {"Kept"}
            assert app.state.replicas.replicas[0].usable is True
            replication.stop_replica()
            try:
                for _ in range(5):  # pooled replica connections are dead now: no error
                    assert _titles(anonymous) == {"Kept"}
                assert app.state.replicas.replicas[0].usable is False
            finally:
                replication.start_replica()
    finally:
        app.state.engine.dispose()
        app.state.replicas.dispose()
