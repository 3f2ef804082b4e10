"""The keyword index kept up with a big import while it runs, by a process of its own.

A bulk import (`ingest/run.py`) ends by bringing the keyword index (`keyword_index.py`,
tantivy) up to date. Left to that point, indexing the 75k snapshot took 4-8 s after its last
batch. Meanwhile the import's two processes (the snapshot's parser and its writer) leave part
of the two cores idle: this child (`python -m dailypapers.search.keyword_follower`, told the
database on its stdin) replays the change log into the index every `FOLLOW_SECONDS` while
the import runs, so the final catch-up finds only the last batches. It never waits for the
index (another writer holding it: it tries again later) and ends when its stdin closes,
which the importing process does before its own catch-up.
"""

from __future__ import annotations

import contextlib
import json
import logging
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dailypapers.db.engine import data_dir_of, make_engine
from dailypapers.search.backends import backend_for
from dailypapers.search.fulltext_tantivy import TantivyFirst

FOLLOW_SECONDS = 3.0
STOP_WAIT_SECONDS = 120.0  # a catch-up under way is let finish (its commit)
log = logging.getLogger(__name__)


@contextlib.contextmanager
def keyword_follower(engine: Engine, *, every: float = FOLLOW_SECONDS) -> Iterator[None]:
    """A follower process for `engine`'s database while the block runs; stopped, and waited
    for, when it ends (also on an error)."""
    data_dir = data_dir_of(engine)
    order = {
        "url": engine.url.render_as_string(hide_password=False),  # on a pipe, not in argv
        "data_dir": None if data_dir is None else str(data_dir),
        "every": every,
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "dailypapers.search.keyword_follower"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    assert child.stdin is not None
    try:
        child.stdin.write((json.dumps(order) + "\n").encode())
        child.stdin.flush()
        yield
    finally:
        with contextlib.suppress(BrokenPipeError):
            child.stdin.close()
        try:
            child.wait(timeout=STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def follow(engine: Engine, stdin: IO[bytes], every: float) -> int:
    """Catch up every `every` seconds until `stdin` closes; returns the catch-ups run."""
    runs = 0
    while not _closed(stdin, every):
        try:
            catch_up(engine)
            runs += 1
        except Exception:  # the import's own catch-up at its end does the work then
            log.exception("keyword index: catching up with the import failed")
    return runs


def catch_up(engine: Engine) -> int:
    """One replay of the change log into the index, unless another writer holds it."""
    with Session(engine) as session:
        fulltext = backend_for(session).fulltext
    if not isinstance(fulltext, TantivyFirst) or fulltext.keyword is None:
        return 0
    return fulltext.keyword.catch_up(engine, wait=False)


def _closed(stream: IO[bytes], timeout: float) -> bool:
    """Wait up to `timeout` seconds; True once the stream has ended."""
    readable, _, _ = select.select([stream], [], [], timeout)
    return bool(readable) and stream.read1(4096) == b""  # type: ignore[attr-defined]


def main() -> None:
    order = json.loads(sys.stdin.buffer.readline())
    data_dir = Path(order["data_dir"]) if order["data_dir"] else None
    engine = make_engine(order["url"], data_dir=data_dir)
    try:
        follow(engine, sys.stdin.buffer, float(order["every"]))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
