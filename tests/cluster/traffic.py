"""Mixed traffic through the proxy from several threads, every answer tallied.

Each simulated client sends its own `X-Forwarded-For` address (the per-client limits apply
per client, as behind a real proxy). Reads: day lists (HTML and JSON), papers, feeds and
searches; votes: POST with an API token, each on a (user, paper) pair of its own, so every
accepted vote must leave exactly one row.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx


@dataclass
class Tally:
    gets: int = 0
    get_failures: list[str] = field(default_factory=list)
    votes_accepted: list[tuple[int, str]] = field(default_factory=list)  # (user index, key)
    votes_refused: int = 0
    proxy_cache: Counter[str] = field(default_factory=Counter)
    app_cache: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def read_paths(day: str, keys: list[str]) -> list[str]:
    lists = [f"/papers/date/{day}", f"/api/daily_papers?date={day}", "/api/daily_papers"]
    feeds = [f"/papers/date/{day}/feed.rss", "/papers/feed.atom"]
    papers = [f"/api/papers/{key}" for key in keys] + [f"/papers/{key}" for key in keys[:10]]
    return lists * 10 + feeds * 5 + papers + ["/api/papers/search?q=language+models"] * 3


def drive(
    base: str,
    *,
    seconds: float,
    clients: int,
    reads: list[str],
    votes: list[tuple[int, str]],
    tokens: list[str],
    vote_share: float = 0.1,
) -> Tally:
    tally = Tally()
    pending = iter(votes)
    take_vote = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        headers = {"X-Forwarded-For": f"10.2.{n // 250}.{n % 250 + 1}"}
        # readers and API voters are different clients (a writer reads from the primary)
        reader = httpx.Client(base_url=base, timeout=30, headers=headers)
        voter = httpx.Client(base_url=base, timeout=30, headers=headers)
        with reader, voter:
            while time.monotonic() < deadline:
                if rng.random() < vote_share:
                    with take_vote:
                        pair = next(pending, None)
                    if pair is not None:
                        _vote(voter, tally, pair, tokens)
                        continue
                # nginx keeps every anonymous page and API read; searches for words nobody
                # asked before still reach the nodes, which read them from the replica
                fresh = f"/api/papers/search?q=models+{rng.randrange(10**6)}"
                _read(reader, tally, fresh if rng.random() < 0.3 else rng.choice(reads))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def _read(http: httpx.Client, tally: Tally, path: str) -> None:
    started = time.perf_counter()
    try:
        response = http.get(path)
        failure = None if response.status_code in (200, 304) else f"{path}: {response.status_code}"
    except httpx.HTTPError as exc:
        response, failure = None, f"{path}: {exc!r}"
    with tally.lock:
        tally.gets += 1
        tally.latencies.append(time.perf_counter() - started)
        if failure:
            tally.get_failures.append(failure)
        if response is not None:
            tally.proxy_cache[response.headers.get("x-cache-status", "none")] += 1
            if response.headers.get("x-cache-status") != "HIT":
                tally.app_cache[response.headers.get("x-app-cache", "none")] += 1


def _vote(http: httpx.Client, tally: Tally, pair: tuple[int, str], tokens: list[str]) -> None:
    user, key = pair
    started = time.perf_counter()
    try:
        response = http.post(
            f"/api/papers/{key}/upvote", headers={"Authorization": f"Bearer {tokens[user]}"}
        )
        accepted = response.status_code == 200 and response.json()["upvoted"] is True
    except httpx.HTTPError:
        accepted = False  # refused or cut off: it may or may not have been counted
    with tally.lock:
        tally.latencies.append(time.perf_counter() - started)
        if accepted:
            tally.votes_accepted.append(pair)
        else:
            tally.votes_refused += 1


def vote_pairs(users: int, keys: list[str], *, seed: int = 1) -> list[tuple[int, str]]:
    pairs = list(itertools.product(range(users), keys))
    random.Random(seed).shuffle(pairs)
    return pairs
