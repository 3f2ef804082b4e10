"""Two web nodes of two processes each on one PostgreSQL: a limit of 10 allows 10 in total."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.cluster.harness import node_env, start_node, wait_ready
from tests.live_server import free_port
from tests.web.helpers import TOKEN

CLIENT = "203.0.113.7"  # one client address, forwarded as a proxy would


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_limit_of_ten_holds_at_ten_across_two_nodes_of_two_processes(
    db_url: str, tmp_path: Path
) -> None:
    env = node_env(db_url, tmp_path / "var")
    nodes = [start_node(env, free_port(), workers=2) for _ in range(2)]
    try:
        for node in nodes:
            wait_ready(node.url, node.process)
        visitor = secrets.token_urlsafe(32)
        page = httpx.get(f"{nodes[0].url}/subscribe", cookies={"dp_csrf": visitor}, timeout=60)
        token = TOKEN.search(page.text).group(1)  # type: ignore[union-attr]

        def subscribe(n: int) -> int:
            response = httpx.post(
                f"{nodes[n % 2].url}/subscribe",
                data={"csrf_token": token, "email": "not an address", "frequency": "daily"},
                cookies={"dp_csrf": visitor},
                headers={"X-Forwarded-For": CLIENT},
                timeout=60,
            )
            return response.status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(subscribe, range(40)))
    finally:
        for node in nodes:
            node.stop()
    assert codes.count(429) == 30, codes  # subscribe: 10 an hour per client address
    assert set(codes) == {400, 429}, codes  # the 10 allowed ones reach the form's check
