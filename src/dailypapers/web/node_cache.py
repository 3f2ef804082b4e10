"""Rendered answers shared by the server processes of one node.

`dailypapers serve --workers N` starts N processes, and each keeps its own response cache
(`web/cache.py`): a page one process rendered was rendered again by each of the others
before they could answer it from memory, and with four processes a page needed four
visitors before most of its readers got a kept copy. `serve` therefore makes a folder for
its processes (the setting `DAILYPAPERS_NODE_CACHE_DIR`, removed when it stops) where every rendered
answer is also kept, with the stamp it was rendered at, in a `diskcache.Cache` (SQLite
metadata and one file per body, safe across processes, bounded by
`DAILYPAPERS_NODE_CACHE_MB` with least-recently-stored eviction). A process that misses in
its memory looks there before rendering; what it finds is checked against the current
stamp exactly like its own entries, so it can never answer with anything older.

The folder belongs to one `serve` run and so to one database: it is never shared between
nodes (the proxy is what nodes share) nor kept across restarts.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from collections.abc import Hashable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, cast

import diskcache

from dailypapers.settings import ENV_PREFIX, Settings, get_settings

if TYPE_CHECKING:
    from dailypapers.web.kept_answers import Kept

ENV_FOLDER = f"{ENV_PREFIX}NODE_CACHE_DIR"  # the setting `node_cache_dir`
SQLITE_WAIT_SECONDS = 2.0  # a put that waits longer for the index's lock is dropped


class NodeCache:
    """Kept answers (`web.kept_answers.Kept` holding a `Rendered`) in a folder of this node's."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self._store = diskcache.Cache(
            str(folder),
            size_limit=max_bytes,
            eviction_policy="least-recently-stored",  # a read writes nothing
            timeout=SQLITE_WAIT_SECONDS,
            statistics=False,
            tag_index=False,
        )

    def get(self, key: Hashable) -> Kept | None:
        try:
            found = self._store.get(_key(key), default=None, retry=True)
        except (diskcache.Timeout, OSError, pickle.UnpicklingError, EOFError):
            return None  # the folder is busy or was emptied: render, as on a miss
        return cast("Kept | None", found)

    def put(self, key: Hashable, kept: Kept) -> None:
        # Timeout: another process holds the index; this answer stays in memory only.
        with suppress(diskcache.Timeout, OSError):
            self._store.set(_key(key), kept, retry=False)

    def clear(self) -> None:
        self._store.clear(retry=True)

    def close(self) -> None:
        self._store.close()


def _key(key: Hashable) -> bytes:
    """The same bytes in every process for the same key (tuples of str, int and None)."""
    return pickle.dumps(key, protocol=5)


def node_cache_for(settings: Settings) -> NodeCache | None:
    """The node's shared cache when `serve` made one for this process (else None)."""
    folder = settings.node_cache_dir
    if not folder or settings.node_cache_mb <= 0 or not Path(folder).is_dir():
        return None
    return NodeCache(Path(folder), settings.node_cache_mb * 1024 * 1024)


@contextmanager
def node_cache_folder(processes: int, max_mb: int) -> Iterator[Path | None]:
    """A folder for the node cache of `serve`'s processes while they run (none for one
    process, which has its memory cache, or when turned off), named to them by the
    setting they inherit (`ENV_FOLDER`, like `SERVED_URL`), and removed afterwards."""
    if processes < 2 or max_mb <= 0:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="dailypapers-node-cache-"))
    os.environ[ENV_FOLDER] = str(folder)
    get_settings.cache_clear()
    try:
        yield folder
    finally:
        os.environ.pop(ENV_FOLDER, None)
        get_settings.cache_clear()
        shutil.rmtree(folder, ignore_errors=True)
