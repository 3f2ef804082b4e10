"""The shipped topology on one machine: deploy/nginx.conf in front of two web nodes of two
processes each, a PostgreSQL primary and its streaming replica, the demo data, traffic.

A node is killed (SIGKILL) mid-run: not one GET fails and every accepted vote is stored.
Then the replica is stopped mid-run: reads move to the primary, again without an error.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
from sqlalchemy import select, text

from dailypapers.accounts.models import User
from dailypapers.accounts.sessions import create_api_token
from dailypapers.community.models import Upvote
from dailypapers.db.base import utcnow
from dailypapers.db.engine import make_engine, unit_of_work
from dailypapers.papers.models import Paper
from tests.cluster.harness import cli, node_env, start_node, start_proxy, wait_ready
from tests.cluster.replica import StreamingPair
from tests.cluster.traffic import Tally, drive, read_paths, vote_pairs
from tests.live_server import free_port

DAY = "2026-02-19"
USERS = 20


def _voters(url: str) -> list[str]:
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        users = [
            User(
                email=f"c{n}@example.org",
                username=f"cluster{n}",
                password_hash="!",
                email_verified_at=utcnow(),  # API votes need a confirmed address
            )
            for n in range(USERS)
        ]
        session.add_all(users)
        session.flush()
        tokens = [create_api_token(session, user=user, name="cluster") for user in users]
    engine.dispose()
    return tokens


def _stored_votes(url: str) -> set[tuple[int, str]]:
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(User.username, Paper.key)
            .join(Upvote, Upvote.user_id == User.id)
            .join(Paper, Paper.id == Upvote.paper_id)
        ).all()
    engine.dispose()
    return {(int(name.removeprefix("cluster")), key) for name, key in rows}


def _replica_commits(pair: StreamingPair, name: str) -> int:
    """Transactions run on the replica in database `name` (its own statistics)."""
    engine = make_engine(pair.replica_url("postgres"))
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = :n"),
            {"n": name},
        ).scalar_one()
    engine.dispose()
    return int(found)


def _during(seconds: float, action: object) -> threading.Timer:
    timer = threading.Timer(seconds, action)  # type: ignore[arg-type]
    timer.start()
    return timer


def test_cluster_survives_a_killed_node_and_a_stopped_replica(
    replication: StreamingPair, replicated_db: str, tmp_path: Path
) -> None:
    primary = replication.primary_database_url(replicated_db)
    env = node_env(
        primary, tmp_path / "var", database_replica_urls=replication.replica_url(replicated_db)
    )
    cli(env, "demo")
    tokens = _voters(primary)
    replication.wait_replayed(replicated_db)
    ports = [free_port(), free_port()]
    nodes = [start_node(env, port, log=tmp_path / f"node{port}.log") for port in ports]
    proxy = None
    stopped = False
    try:
        for node in nodes:
            wait_ready(node.url, node.process)
        proxy = start_proxy(tmp_path / "nginx", free_port(), ports)
        _anonymous_pages_come_from_the_proxy(proxy.url)
        listed = httpx.get(f"{proxy.url}/api/daily_papers?date={DAY}", timeout=30).json()
        keys = [item["paper"]["id"] for item in listed]
        assert len(keys) >= 40  # the demo day (one page of the API)
        reads, votes = read_paths(DAY, keys), iter(vote_pairs(USERS, keys))
        common = {"clients": 6, "reads": reads, "votes": votes, "tokens": tokens}
        before = _replica_commits(replication, replicated_db)
        killer = _during(3, nodes[1].kill)
        killed_run = drive(proxy.url, seconds=8, **common)  # type: ignore[arg-type]
        killer.join()
        read_on_replica = _replica_commits(replication, replicated_db) - before
        stopper = _during(3, replication.stop_replica)
        stopped = True
        replica_run = drive(proxy.url, seconds=8, **common)  # type: ignore[arg-type]
        stopper.join()
    finally:
        if stopped:
            replication.start_replica()
        for node in nodes:
            node.stop()
        if proxy is not None:
            proxy.stop()
    _check(killed_run, nodes[1].process.returncode)
    _check(replica_run, None)
    assert read_on_replica > 0  # the nodes read from the replica before it stopped
    assert killed_run.proxy_cache["HIT"] > 0  # anonymous API reads and feeds from nginx
    accepted = killed_run.votes_accepted + replica_run.votes_accepted
    assert accepted
    assert set(accepted) <= _stored_votes(primary)  # no accepted vote lost
    survivor = (tmp_path / f"node{ports[0]}.log").read_text()
    assert "replica" in survivor  # it noticed the replica stopping and read elsewhere


def _anonymous_pages_come_from_the_proxy(url: str) -> None:
    """An anonymous page is kept once for every anonymous reader, whatever cookie they have;
    a request with a session cookie gets its own answer from a node."""
    page = f"{url}/papers/date/{DAY}"
    first = httpx.get(page, timeout=30)
    assert first.status_code == 200 and first.headers["cache-control"].startswith("public")
    visitor = httpx.get(page, cookies={"dp_csrf": "v" * 43}, timeout=30)
    assert visitor.headers["x-cache-status"] == "HIT"
    assert "set-cookie" not in visitor.headers
    viewer = httpx.get(page, cookies={"dp_session": "s" * 43}, timeout=30)
    assert viewer.headers["x-cache-status"] == "BYPASS"
    assert viewer.headers["cache-control"].startswith("private")


def _check(run: Tally, killed_code: int | None) -> None:
    assert run.gets > 10, run.gets  # traffic went through (no timing: the machine is shared)
    assert run.get_failures == [], run.get_failures[:5]
    if killed_code is not None:
        assert killed_code < 0  # the node was killed by a signal
