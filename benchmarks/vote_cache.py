"""The application cache under a stream of votes, with and without a vote grace.

    .venv/bin/python benchmarks/vote_cache.py [--duration 30] [--clients 8] [--vote-share 10]
        [--graces 0,5]

The demo (54 papers) on SQLite, one `dailypapers serve` process per grace setting
(`DAILYPAPERS_VOTE_GRACE_SECONDS`), no worker. `--clients` threads send requests back to
back: `--vote-share` percent are API upvotes or unvotes by one of 50 users with API tokens on
a paper of the latest days, the rest anonymous GETs of the pages everybody reads (the front
page, trending, the latest days and their API answers, 20 papers' pages and API answers).
Prints per setting: requests/s, p50/p99 of the GETs, vote answers by status, and the
application cache hit rate (`X-App-Cache` among GETs), with the load average; then the ratio
of the hit rates and throughputs, measured in the same run on the same machine.

Only the hot pages are asked for, so the cache starts warm after the first requests: the
figure isolates what votes do to the cache, not how many distinct pages a site has (see
benchmarks/cluster.py for that mix).
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
USERS = 50


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def _environment(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
    return env | {
        "DAILYPAPERS_DATABASE_URL": f"sqlite:///{folder}/site.db",
        "DAILYPAPERS_DATA_DIR": str(folder / "var"),
        "DAILYPAPERS_ENV": "test",
        "DAILYPAPERS_SECRET_KEY": "benchmark-secret-key-not-for-production-0123456789",
        "DAILYPAPERS_EMBEDDER": "none",
        "DAILYPAPERS_LOG_LEVEL": "WARNING",
        "DAILYPAPERS_THUMBNAIL_SCHEDULE": "off",
        "DAILYPAPERS_ARXIV_FETCH_SCHEDULE": "off",
        "HF_HUB_OFFLINE": "1",
    }


def _prepare(env: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """The demo site, 50 users with API tokens; the hot GETs and the papers to vote on."""
    for command in (["db", "upgrade"], ["demo", "--if-empty"]):
        subprocess.run(
            [str(BIN / "dailypapers"), *command], env=env, check=True, capture_output=True
        )
    from sqlalchemy import select

    from dailypapers.accounts.models import User
    from dailypapers.accounts.sessions import create_api_token
    from dailypapers.db.engine import make_engine, unit_of_work
    from dailypapers.papers.models import DailyEntry, Paper

    engine = make_engine(env["DAILYPAPERS_DATABASE_URL"])
    with unit_of_work(engine) as session:
        days = sorted({d for (d,) in session.execute(select(DailyEntry.day))}, reverse=True)[:3]
        rows = session.execute(
            select(Paper.key).join(DailyEntry).where(DailyEntry.day.in_(days)).order_by(Paper.id)
        )
        keys = [k for (k,) in rows]
        tokens = []
        for n in range(USERS):
            user = User(email=f"v{n}@example.org", username=f"v{n}", password_hash="!")  # noqa: S106
            user.email_verified_at = datetime.now(UTC)  # API votes need a confirmed address
            session.add(user)
            session.flush()
            tokens.append(create_api_token(session, user=user, name="bench"))
    engine.dispose()
    pages = ["/", "/papers/trending", "/api/daily_papers", "/api/daily_papers?sort=trending"]
    pages += [f"/papers/date/{d}" for d in days] + [f"/api/daily_papers?date={d}" for d in days]
    pages += [f"/papers/{k}" for k in keys[:10]] + [f"/api/papers/{k}" for k in keys[:10]]
    return pages, keys, tokens


def _serve(env: dict[str, str], grace: float, port: int) -> subprocess.Popen[bytes]:
    command = [str(BIN / "dailypapers"), "serve", "--port", str(port), "--no-worker"]
    server = subprocess.Popen(
        command,
        env=env | {"DAILYPAPERS_VOTE_GRACE_SECONDS": str(grace)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/daily_papers", timeout=5).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the server did not start")


def _traffic(
    url: str, pages: list[str], keys: list[str], tokens: list[str], args: argparse.Namespace
) -> dict[str, object]:
    cache: Counter[str] = Counter()
    votes: Counter[int] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + args.duration

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=30) as http:
            while time.monotonic() < stop:
                if rng.randrange(100) < args.vote_share:
                    n = rng.randrange(len(tokens))
                    headers = {
                        "Authorization": f"Bearer {tokens[n]}",
                        "X-Forwarded-For": f"10.9.0.{n}",
                    }
                    answer = http.post(f"/api/papers/{rng.choice(keys)}/upvote", headers=headers)
                    with lock:
                        votes[answer.status_code] += 1
                    continue
                started = time.perf_counter()
                answer = http.get(rng.choice(pages))
                took = time.perf_counter() - started
                with lock:
                    latencies.append(took)
                    cache[answer.headers.get("x-app-cache", "-")] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - began
    looked = cache["hit"] + cache["miss"]
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rate": (len(latencies) + sum(votes.values())) / seconds,
        "hit_rate": cache["hit"] / looked if looked else 0.0,
        "hits": cache["hit"],
        "looked": looked,
        "p50": cuts[49] * 1000,
        "p99": cuts[98] * 1000,
        "votes": dict(votes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--vote-share", type=int, default=10)
    parser.add_argument("--graces", default="0,5")
    args = parser.parse_args()
    print(f"vote cache benchmark; {_load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="dp-vote-cache-") as folder:
        env = _environment(Path(folder))
        pages, keys, tokens = _prepare(env)
        print(f"{len(pages)} hot pages, {len(keys)} papers to vote on, {len(tokens)} voters")
        results = {}
        for grace in [float(g) for g in args.graces.split(",")]:
            port = _free_port()
            server = _serve(env, grace, port)
            try:
                result = _traffic(f"http://127.0.0.1:{port}", pages, keys, tokens, args)
            finally:
                server.terminate()
                server.wait(timeout=30)
            results[grace] = result
            print(
                f"grace {grace:g} s: {result['rate']:.0f} requests/s, "
                f"GET p50 {result['p50']:.1f} ms p99 {result['p99']:.1f} ms, "
                f"votes by status {result['votes']}, application "
                f"cache hit rate {result['hit_rate']:.1%} ({result['hits']:,} of "
                f"{result['looked']:,}); {_load()}",
                flush=True,
            )
        if len(results) > 1:
            first, *others = results
            for grace in others:
                hits = results[grace]["hit_rate"] / max(results[first]["hit_rate"], 1e-9)  # type: ignore[operator]
                rate = results[grace]["rate"] / results[first]["rate"]  # type: ignore[operator]
                print(f"grace {grace:g} vs {first:g}: hit rate x{hits:.2f}, throughput x{rate:.2f}")


if __name__ == "__main__":
    main()
