"""`serve --workers 2`: a page rendered by one process is answered from the cache by both.

Real processes: each request comes on a new connection, and requests run several at a time,
so both server processes take some of them. With a cache per process only, the first
request each process took was rendered (two misses at least); with the node's shared
folder, only the very first request of each answer is.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.cluster.harness import node_env, start_node, unit_nice, wait_ready
from tests.live_server import free_port

ANSWERS = ["/", "/papers/trending", "/api/daily_papers", "/api/papers/search?q=models"]


def _fetch(url: str) -> str:
    response = httpx.get(url, timeout=60)  # a new connection each time
    assert response.status_code == 200, (url, response.status_code)
    return response.headers["x-app-cache"]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_processes_of_a_node_share_what_they_rendered(db_url: str, tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = node_env(db_url, tmp_path / "var", vote_grace_seconds="0") | {"TMPDIR": str(scratch)}
    node = start_node(env, free_port(), workers=2, log=tmp_path / "serve.log")
    try:
        wait_ready(node.url, node.process)
        # at the priority deploy/systemd/dailypapers-web.service gives the node (below nginx)
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        expected = min(19, ours + unit_nice("dailypapers-web.service"))
        assert os.getpriority(os.PRIO_PROCESS, node.process.pid) == expected > 0
        folders = list(scratch.glob("dailypapers-node-cache-*"))
        assert len(folders) == 1, folders  # made by `serve` for its processes
        notes = {}
        for path in ANSWERS:
            first = _fetch(node.url + path)
            with ThreadPoolExecutor(8) as pool:
                notes[path] = [first, *pool.map(_fetch, [node.url + path] * 40)]
    finally:
        node.stop()
    log = (tmp_path / "serve.log").read_text()[-2000:]
    for path, seen in notes.items():
        assert seen[0] == "miss", (path, seen, log)
        assert seen[1:] == ["hit"] * 40, (path, seen, log)
    assert not folders[0].exists()  # removed when the node stopped
