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


def start_node(
    env: dict[str, str], port: int, *, workers: int = 2, log: Path | None = None
) -> Node:
    command = [str(BIN / "dailypapers"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (kept by the child)
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
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
