"""The first run: `make run`'s commands on a fresh database, timed, then the first searches.

    .venv/bin/python benchmarks/first_run.py [--cold-model] [--json]

Reads the recipe of `make run` from the Makefile (the commands a new user runs after
`make install`), runs them in a temporary folder on a fresh SQLite database with a free port,
and prints how long each setup command took, how long `serve` took to answer with the
complete demo (54 papers listed, embedded and summarized), the time from the first command to
that moment, the latency of the first searches (the HTML page and the API, hybrid), and the
load average. By default the model built by `make install` (var/models) is reused, as on a
machine where `make install` ran; `--cold-model` builds it in the temporary folder too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
QUERY = "compressing image patches for multimodal chat models"


def make_run_commands(port: int) -> list[list[str]]:
    """The recipe of `make run`, with this port; `-` (ignore errors) and comments go.

    The first-run test (tests/browser/test_first_run.py) reads the recipe through this too."""
    recipe = ROOT.joinpath("Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    commands = []
    for line in recipe.splitlines()[1:]:
        command = line.strip().lstrip("-").split("#", 1)[0].replace("$(BIN)/", f"{BIN}/")
        commands.append(command.replace("--port 8000", f"--port {port}").split())
    if not commands or commands[-1][1] != "serve":
        raise SystemExit(f"the Makefile's run recipe does not end with serve: {commands}")
    return commands


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
    env["DAILYPAPERS_DATA_DIR"] = str(folder / "var")
    # arXiv is not called from here: the worker's daily fetch gets a closed port at once
    env["DAILYPAPERS_ARXIV_API_URL"] = f"http://127.0.0.1:{_free_port()}/api/query"
    return env


def _timed(url: str) -> float:
    started = time.perf_counter()
    httpx.get(url, timeout=60).raise_for_status()
    return time.perf_counter() - started


def _wait_for_demo(url: str, server: subprocess.Popen[bytes]) -> None:
    while True:
        if server.poll() is not None:
            raise SystemExit("serve exited")
        try:
            if httpx.get(url, timeout=5).text.count('class="card"') == 54:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)


def run(models: Path | None) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="dailypapers-first-run-"))
    (folder / "var").mkdir()
    if models is not None:
        (folder / "var" / "models").symlink_to(models.resolve())
    port = _free_port()
    *setup, serve = make_run_commands(port)
    env, figures = _environment(folder), dict[str, object]()
    first = time.perf_counter()
    for command in setup:
        started = time.perf_counter()
        subprocess.run(command, cwd=folder, env=env, check=False, capture_output=True)
        figures[" ".join(command[1:])] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    server = subprocess.Popen(
        serve, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for_demo(url, server)
        figures["serve until the demo answers"] = round(time.perf_counter() - started, 1)
        figures["first command to complete demo"] = round(time.perf_counter() - first, 1)
        figures["first search, HTML page (s)"] = round(
            _timed(f"{url}/search?q={quote_plus(QUERY)}"), 3
        )
        figures["first search, API (s)"] = round(
            _timed(f"{url}/api/papers/search?q={quote_plus(QUERY + ' api')}"), 3
        )
        figures["a repeated search, API (s)"] = round(
            _timed(f"{url}/api/papers/search?q=tokenizer+pruning"), 3
        )
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)
        shutil.rmtree(folder, ignore_errors=True)
    figures["load average (1, 5, 15 min)"] = [round(x, 2) for x in os.getloadavg()]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold-model", action="store_true", help="build the model too")
    parser.add_argument(
        "--models", type=Path, default=ROOT / "var" / "models", help="what make install built"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if not args.cold_model and not args.models.is_dir():
        raise SystemExit(f"no {args.models}: run `make install` (or pass --cold-model)")
    figures = run(None if args.cold_model else args.models)
    if args.json:
        print(json.dumps(figures))
        return
    for name, value in figures.items():
        print(f"{name:>40}: {value}")


if __name__ == "__main__":
    main()
