"""Real processes for cluster tests and benchmarks/cluster.py: web nodes, nginx, a replica.

Every piece listens on a free loopback port and lives in a temporary folder; nothing is
shared with another test run on the machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"  # the shipped configuration
UNITS = DEPLOY / "systemd"
SECRET = "cluster-test-secret-key-not-for-production-0123456789"


def node_env(database_url: str, data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a web node or worker: one database, keyword search only."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DAILYPAPERS_")}
    env |= {
        "DAILYPAPERS_ENV": "test",
        "DAILYPAPERS_DATABASE_URL": database_url,
        "DAILYPAPERS_DATA_DIR": str(data_dir),
        "DAILYPAPERS_SECRET_KEY": SECRET,
        "DAILYPAPERS_EMBEDDER": "none",
        "DAILYPAPERS_ARXIV_PDF_URL": "http://127.0.0.1:9/pdf/{arxiv_id}",  # never arXiv
        "DAILYPAPERS_LOG_LEVEL": "WARNING",
        "HF_HUB_OFFLINE": "1",
    }
    env |= {f"DAILYPAPERS_{name.upper()}": value for name, value in settings.items()}
    return env


@dataclass
class Node:
    """`dailypapers serve --workers N` on one port, in a process group of its own."""

    process: subprocess.Popen[bytes]
    url: str

    def kill(self) -> None:
        """SIGKILL the whole node (its supervisor and every worker process)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def unit_nice(unit: str) -> int:
    """The `Nice=` of a shipped systemd unit (0 when it sets none): the harness starts its
    processes at the same priority as the units do."""
    for line in (UNITS / unit).read_text().splitlines():
        if line.startswith("Nice="):
            return int(line.removeprefix("Nice="))
    return 0


def niced(unit: str, command: list[str]) -> list[str]:
    """`command` run at `unit`'s priority, as systemd would start it."""
    return ["nice", "-n", str(unit_nice(unit)), *command]


def start_node(
    env: dict[str, str], port: int, *, workers: int = 2, log: Path | None = None
) -> Node:
    command = niced(
        "dailypapers-web.service",
        [str(BIN / "dailypapers"), "serve", "--host", "127.0.0.1", "--port", str(port)],
    )
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    if log:
        output.close()  # type: ignore[union-attr]  # the child keeps its own copy
    return Node(process, f"http://127.0.0.1:{port}")


def wait_ready(url: str, process: subprocess.Popen[bytes], *, timeout: float = 120) -> None:
    """Wait until `url` answers a health check (the API touches the database)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/api/daily_papers?limit=1", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready in {timeout:.0f} s")


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "dailypapers"), *args], env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"dailypapers {' '.join(args)}: {done.stdout}{done.stderr}")
    return done.stdout


NGINX = Path("/usr/sbin/nginx")
SITE_CONF = DEPLOY / "nginx.conf"
_UPSTREAMS = (
    "    server 127.0.0.1:8001 max_fails=1 fail_timeout=5s;\n"
    "    server 127.0.0.1:8002 max_fails=1 fail_timeout=5s;\n"
)


@dataclass
class Proxy:
    """nginx running deploy/nginx.conf in the foreground, in a folder of its own."""

    process: subprocess.Popen[bytes]
    url: str
    folder: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def _once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise RuntimeError(f"deploy/nginx.conf changed: {old.strip()!r} is not there once")
    return text.replace(old, new)


def site_conf(folder: Path, port: int, upstreams: list[int]) -> str:
    """deploy/nginx.conf with this run's addresses and paths, nothing else changed."""
    site = SITE_CONF.read_text()
    site = _once(site, "listen 8080;", f"listen 127.0.0.1:{port};")
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n" for p in upstreams)
    site = _once(site, _UPSTREAMS, servers)
    site = _once(site, "/var/cache/nginx/dailypapers", str(folder / "cache"))
    return _once(site, "/var/log/nginx/dailypapers.log", str(folder / "access.log"))


def start_proxy(folder: Path, port: int, upstreams: list[int]) -> Proxy:
    if not NGINX.exists():
        raise RuntimeError("nginx is missing: apt-get install -y nginx")
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    (folder / "site.conf").write_text(site_conf(folder, port, upstreams))
    temp = "\n".join(
        f"  {kind}_temp_path {folder / 'tmp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers reach the temp folder
    (folder / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n{temp}\n  include {folder / 'site.conf'};\n}}\n"
    )
    with open(folder / "nginx.out", "ab") as log:  # the child keeps its own copy
        process = subprocess.Popen(
            [str(NGINX), "-p", str(folder), "-c", str(folder / "nginx.conf")],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    proxy = Proxy(process, f"http://127.0.0.1:{port}", folder)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {(folder / 'nginx.out').read_text()}")
        try:
            httpx.get(f"{proxy.url}/static/site.css", timeout=2)
            return proxy
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("nginx did not start")
