"""A big import's keyword index is kept up by a process of its own while the import runs
(`search/keyword_follower.py`), on SQLite."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.search.keyword_follower import catch_up, follow, keyword_follower
from dailypapers.search.keyword_index import keyword_index_for
from tests.factories import make_paper

on_sqlite = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _indexed_upto(engine: Engine) -> int:
    index = keyword_index_for(engine.url.database)
    assert index is not None
    state = index.current()
    return -1 if state is None else state[1].seq


@on_sqlite
def test_the_follower_indexes_papers_while_the_block_runs(engine: Engine) -> None:
    with keyword_follower(engine, every=0.2):
        with unit_of_work(engine) as session:
            make_paper(session, title="Wombat burrows", abstract="Digging marsupials.")
        deadline = time.monotonic() + 60
        while _indexed_upto(engine) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)  # the child process catches up; this one only waits
        assert _indexed_upto(engine) >= 1, "the follower never caught up"
        seen = _indexed_upto(engine)
        with unit_of_work(engine) as session:
            make_paper(session, title="Quoll dens", abstract="Spotted hunters.")
        while _indexed_upto(engine) == seen and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _indexed_upto(engine) > seen  # and again, for what came later
    assert catch_up(engine) == 0  # nothing left for the import's own catch-up


@on_sqlite
def test_following_ends_when_its_input_ends(engine: Engine) -> None:
    read, write = os.pipe()
    os.close(write)  # the importing process is gone, or done
    with os.fdopen(read, "rb") as closed:
        started = time.monotonic()
        assert follow(engine, closed, every=5.0) == 0  # no catch-up
    assert time.monotonic() - started < 5.0  # and no wait


@on_sqlite
def test_an_error_in_the_block_still_stops_the_follower(engine: Engine) -> None:
    started = time.monotonic()
    with pytest.raises(RuntimeError), keyword_follower(engine, every=0.2):
        raise RuntimeError("the import failed")
    assert time.monotonic() - started < 60  # the child was told to stop and waited for
