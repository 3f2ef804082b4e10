"""A node's processes share rendered answers through `serve`'s folder (`web/node_cache.py`).

Two `ResponseCache`s, each with its own `NodeCache` on one folder, stand for two processes.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import Response
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from dailypapers.changes.version import SHOWN_VOTES, Stamp
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.deps import CacheDep
from dailypapers.web.kept_answers import (
    MAX_BYTES,
    MAX_BYTES_BESIDE_NODE,
    Kept,
    Rendered,
    ResponseCache,
)
from dailypapers.web.node_cache import (
    ENV_FOLDER,
    NodeCache,
    node_cache_folder,
    node_cache_for,
)

MB = 1024 * 1024


def _at(site: int, votes: int = 0) -> Stamp:
    return Stamp(site, votes, datetime(2026, 2, 20, tzinfo=UTC))


def _two_processes(folder: Path) -> tuple[ResponseCache, ResponseCache]:
    return ResponseCache(node=NodeCache(folder, 8 * MB)), ResponseCache(
        node=NodeCache(folder, 8 * MB)
    )


def test_an_answer_one_process_rendered_answers_the_other(tmp_path: Path) -> None:
    first, second = _two_processes(tmp_path)
    page = Rendered(b"<p>day</p>", "text/html", headers=(("X-Total", "3"),), shows=("2509.1",))
    first.lookup(_at(2, 7), "day", stale_ok=False)  # both processes are at site version 2
    second.lookup(_at(2, 7), "day", stale_ok=False)
    first.put(_at(2, 7), "day", page)

    found = second.lookup(_at(2, 7), "day", stale_ok=False)
    assert found is not None and found[1] == page and found[0].votes == 7
    assert second.hits == 1 and second.misses == 1
    assert second.get(_at(2, 7), "day") == page  # now in the second process's memory too


def test_a_shared_answer_is_used_only_at_its_own_stamp(tmp_path: Path) -> None:
    first, second = _two_processes(tmp_path)
    for cache in (first, second):
        cache.get(_at(2), "warm")
    first.put(_at(2, 7), "day", Rendered(b"seven votes", "text/html"))
    assert second.get(_at(2, 8), "day") is None  # a vote since: rendered again
    assert second.get(_at(3, 7), "day") is None  # another site version: never
    assert second.get(_at(3, 7), "other") is None


def test_page_data_stays_in_its_process(tmp_path: Path) -> None:
    first, second = _two_processes(tmp_path)
    for cache in (first, second):
        cache.get(_at(1), "warm")
    first.put(_at(1), "value", {"papers": [1, 2]})  # a page's data, not a body
    assert first.get(_at(1), "value") == {"papers": [1, 2]}
    assert second.get(_at(1), "value") is None


def test_an_older_shared_answer_does_not_replace_a_newer_one_in_memory(tmp_path: Path) -> None:
    first, second = _two_processes(tmp_path)
    for cache in (first, second):
        cache.get(_at(1), "warm")
    first.put(_at(1, 3), "day", Rendered(b"three", "text/html"))
    second.put(_at(1, 5), "day", Rendered(b"five", "text/html"))  # now also the shared one
    assert first.get(_at(1, 5), "day") == Rendered(b"five", "text/html")
    assert first.get(_at(1, 3), "day") is None  # the newer one replaced it in memory


def test_serve_makes_a_folder_for_several_processes_and_removes_it(settings: Settings) -> None:
    with node_cache_folder(1, 256) as folder:
        assert folder is None and ENV_FOLDER not in os.environ
    with node_cache_folder(4, 0) as folder:
        assert folder is None  # turned off
    with node_cache_folder(4, 256) as folder:
        assert folder is not None and folder.is_dir()
        assert os.environ[ENV_FOLDER] == str(folder)  # what the server processes inherit
        assert Settings().node_cache_dir == str(folder)  # read as a setting
        named = settings.model_copy(update={"node_cache_dir": str(folder)})
        cache = node_cache_for(named)
        assert cache is not None and cache.folder == folder
        cache.close()
        assert node_cache_for(named.model_copy(update={"node_cache_mb": 0})) is None
    assert not folder.exists() and ENV_FOLDER not in os.environ
    assert node_cache_for(named) is None  # the folder is gone


def test_an_app_in_a_node_keeps_less_in_memory_and_the_rest_in_the_folder(
    settings: Settings,
) -> None:
    alone = create_app(settings)
    assert alone.state.response_cache.node is None
    assert alone.state.response_cache.max_bytes == MAX_BYTES
    alone.state.engine.dispose()
    with node_cache_folder(2, 256) as folder:
        assert folder is not None
        # as each process of `serve --workers 2` makes it: its settings name the folder
        beside = create_app(settings.model_copy(update={"node_cache_dir": str(folder)}))
        cache = beside.state.response_cache
        assert cache.node is not None and cache.node.folder == folder
        assert cache.max_bytes == MAX_BYTES_BESIDE_NODE < MAX_BYTES
        cache.node.close()
        beside.state.engine.dispose()


def test_a_process_can_peek_at_its_own_memory_alone(tmp_path: Path) -> None:
    first, second = _two_processes(tmp_path)
    for cache in (first, second):
        cache.get(_at(1), "warm")
    first.put(_at(1, 3), "search", Rendered(b"three", "text/html"))
    assert second.peek(1, "search", where="process") is None  # in the folder, not in its memory
    found = second.peek(1, "search")
    assert found is not None and found.value == Rendered(b"three", "text/html")
    assert second.peek(1, "search", where="process") == found  # now kept in its memory too


def test_an_answer_showing_papers_reads_the_folder_once_on_a_miss(settings: Settings) -> None:
    """A search page (its votes: those of the papers it shows) that this process does not
    hold reads the node's folder once, and a process that holds it does not read it."""
    renders: list[int] = []

    def render(session: Session) -> Rendered:
        renders.append(1)
        return Rendered(b"[]", "application/json", shows=())

    async def shown(cache: CacheDep) -> Response:
        return await cache.serve(("shown",), render, votes=SHOWN_VOTES)

    with node_cache_folder(2, 256) as folder:
        named = settings.model_copy(update={"node_cache_dir": str(folder), "embedder": "none"})
        apps = [create_app(named), create_app(named)]  # two processes of one node
        reads = [_count_reads(app.state.response_cache.node) for app in apps]
        with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
            for app in apps:
                app.add_api_route("/test-shown", shown)
            assert one.get("/test-shown").headers["x-app-cache"] == "miss"
            assert (reads[0][0], len(renders)) == (1, 1)  # one read of the folder, then render
            assert one.get("/test-shown").headers["x-app-cache"] == "hit"
            assert reads[0][0] == 1  # its own memory had it
            assert two.get("/test-shown").headers["x-app-cache"] == "hit"
            assert (reads[1][0], len(renders)) == (1, 1)  # from the folder, not rendered
        for app in apps:
            app.state.response_cache.node.close()
            app.state.engine.dispose()


def _count_reads(node: NodeCache) -> list[int]:
    count = [0]
    read = node.get

    def counted(key: Hashable) -> Kept | None:
        count[0] += 1
        return read(key)

    node.get = counted  # type: ignore[method-assign]
    return count
