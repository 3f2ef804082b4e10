"""Web throughput with the 75k corpus: the JSON API and a day page, 2 server processes.

    .venv/bin/python benchmarks/web.py [--duration 30] [--connections 32] [--workers 2]

1. Builds (once) a SQLite database of the 75k arXiv snapshot in --workdir with
   `dailypapers import snapshot FILE --daily`; later runs reuse it.
2. Serves it with `uvicorn --factory dailypapers.web.app:app_from_env --workers 2`.
3. Drives --connections concurrent connections for --duration seconds at each target with
   `wrk` (apt-get install wrk) or, without it, an asyncio httpx load generator (which needs
   CPU of its own on the same machine, so it reports lower figures).
4. Prints requests/s, p50/p99 latency, errors, the server's CPU time and the load average.

Targets: `/api/daily_papers` (the latest day, what `list_daily_papers()` asks), the same for
the busiest day with limit=100, and the HTML page `/papers/date/<busiest day>`.
Everything runs on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SNAPSHOT = ROOT.parent / "shared" / "data" / "arxiv-cs-75k.snapshot.jsonl.gz"
MIN_PAPERS = 70_000


@dataclass
class Result:
    target: str
    url: str
    tool: str
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu_s: float
    load_before: float
    load_after: float


def main() -> None:
    args = _arguments()
    workdir = Path(args.workdir)
    env = _environment(workdir)
    _ensure_corpus(env, Path(args.snapshot), workdir)
    latest, busiest, listed = _days(workdir)
    print(f"corpus: {listed:,} listings; latest day {latest}; busiest day {busiest}")
    targets = {
        "api": "/api/daily_papers",
        "api-busiest-100": f"/api/daily_papers?date={busiest}&limit=100",
        "html": f"/papers/date/{busiest}",
    }
    tool = "wrk" if args.tool == "auto" and shutil.which("wrk") else args.tool
    tool = "python" if tool == "auto" else tool
    port = _free_port()
    server = _start_server(env, port, args.workers)
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base + targets["api"], server)
        for name, path in targets.items():
            if args.only and name not in args.only:
                continue
            _check(base + path)
            _warm_up(base + path, args.connections)
            results.append(_drive(name, base + path, tool, args, server))
    finally:
        _stop(server)
    _report(results, args.json)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", default="/tmp/dailypapers-bench-web")
    parser.add_argument("--snapshot", default=str(SNAPSHOT))
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per target")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--only", nargs="*", help="targets to run: api, api-busiest-100, html")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser.parse_args()


def _environment(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
    env.update(
        DAILYPAPERS_DATA_DIR=str(workdir),
        DAILYPAPERS_ENV="production",
        DAILYPAPERS_SECRET_KEY=secrets.token_urlsafe(48),
        DAILYPAPERS_BASE_URL="http://127.0.0.1:8000",
        DAILYPAPERS_LOG_LEVEL="WARNING",
    )
    return env


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "dailypapers"), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"dailypapers {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _ensure_corpus(env: dict[str, str], snapshot: Path, workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    _cli(env, "db", "upgrade")
    papers = json.loads(_cli(env, "stats", "--json"))["papers"]
    if papers >= MIN_PAPERS:
        print(f"reusing {workdir} ({papers:,} papers)")
        return
    print(f"importing {snapshot.name} into {workdir} (once; takes minutes) ...", flush=True)
    started = time.perf_counter()
    _cli(env, "import", "snapshot", str(snapshot), "--daily")
    print(f"imported in {time.perf_counter() - started:.0f} s")


def _days(workdir: Path) -> tuple[str, str, int]:
    engine = create_engine(f"sqlite:///{workdir / 'dailypapers.db'}")
    with engine.connect() as conn:
        latest = conn.execute(text("SELECT max(day) FROM daily_entries")).scalar_one()
        busiest = conn.execute(
            text("SELECT day FROM daily_entries GROUP BY day ORDER BY count(*) DESC LIMIT 1")
        ).scalar_one()
        listed = conn.execute(text("SELECT count(*) FROM daily_entries")).scalar_one()
    engine.dispose()
    return str(latest), str(busiest), int(listed)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [
        str(BIN / "uvicorn"),
        "--factory",
        "dailypapers.web.app:app_from_env",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    print("server:", " ".join(command[1:]))
    return subprocess.Popen(command, env=env)


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited while starting")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not answer within 120 s")


def _check(url: str) -> None:
    response = httpx.get(url, timeout=30)
    if response.status_code != 200 or len(response.content) < 1000:
        raise SystemExit(f"{url} answered {response.status_code}, {len(response.content)} bytes")


def _warm_up(url: str, connections: int) -> None:
    """A few seconds of load first, so every worker has its caches filled and is steady."""
    asyncio.run(_python_load(url, connections, 3.0))


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _server_cpu(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) used so far by the server and its worker processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == server.pid or ppid == server.pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _drive(
    name: str, url: str, tool: str, args: argparse.Namespace, server: subprocess.Popen[bytes]
) -> Result:
    load_before = os.getloadavg()[0]
    cpu_before = _server_cpu(server)
    print(f"driving {name}: {url} ({tool}, {args.connections} connections, {args.duration:.0f} s)")
    if tool == "wrk":
        numbers = _wrk(url, args)
    else:
        numbers = asyncio.run(_python_load(url, args.connections, args.duration))
    cpu = _server_cpu(server) - cpu_before
    return Result(name, url, tool, **numbers, server_cpu_s=cpu, load_before=load_before,
                  load_after=os.getloadavg()[0])  # fmt: skip


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(url: str, args: argparse.Namespace) -> dict[str, float | int]:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration:.0f}s",
        "--timeout",
        "10s",
        "--latency",
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    percentiles = {
        int(p): float(v) * _UNITS[u]
        for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    if done is None or not percentiles:
        raise SystemExit(f"could not read wrk's output:\n{out}")
    seconds = float(done[2]) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[done[3]]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx[1]) if non2xx else 0
    return {
        "seconds": seconds,
        "requests": int(done[1]),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),  # type: ignore[index]
        "p50_ms": percentiles[50],
        "p99_ms": percentiles[99],
        "errors": errors,
    }


async def _python_load(url: str, connections: int, duration: float) -> dict[str, float | int]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.get(url)
                    await response.aread()
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += not ok

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "seconds": seconds,
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "errors": errors,
    }


def _report(results: list[Result], as_json: bool) -> None:
    if as_json:
        print(json.dumps([asdict(r) for r in results], indent=2))
        return
    print(f"\nmachine: {os.cpu_count()} CPUs; load averages are 1-minute, before -> after")
    header = f"{'target':<16}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}{'errors':>8}"
    print(header + f"{'server CPU s':>14}{'load':>14}")
    for r in results:
        print(
            f"{r.target:<16}{r.rps:>9.0f}{r.p50_ms:>9.1f}{r.p99_ms:>9.1f}{r.requests:>10}"
            f"{r.errors:>8}{r.server_cpu_s:>14.1f}{r.load_before:>7.1f} ->{r.load_after:>4.1f}"
        )


if __name__ == "__main__":
    main()
