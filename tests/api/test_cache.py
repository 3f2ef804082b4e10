"""Answers are cached per query and the versions they show; writes from any process
invalidate them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from dailypapers.changes.version import Stamp
from dailypapers.db.engine import unit_of_work
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.cache import request_cache
from dailypapers.web.kept_answers import Rendered, ResponseCache
from dailypapers.web.validators import etag_matches
from tests.api.conftest import TokenUser
from tests.factories import make_paper

DAY = date(2026, 2, 20)
LIST = "/api/daily_papers"


def _at(site: int, votes: int = 0) -> Stamp:
    return Stamp(site, votes, datetime(2026, 2, 20, tzinfo=UTC))


def test_the_cache_keeps_one_site_version_and_a_bounded_number_of_answers() -> None:
    store = ResponseCache(max_entries=2)
    one = Rendered(b"1", "text/plain")
    assert store.get(_at(5), "a") is None
    store.put(_at(5), "a", one)
    store.put(_at(5), "b", one)
    assert store.get(_at(5), "a") is one  # "a" is now the most recent
    store.put(_at(5), "c", one)
    assert store.get(_at(5), "b") is None and store.get(_at(5), "c") is one  # "b" was evicted
    store.put(_at(4), "old", one)  # rendered under an older version: not kept
    assert store.get(_at(5), "old") is None
    assert store.get(_at(6), "a") is None  # a newer version empties the cache
    assert store.get(_at(5), "c") is None  # and an older one is never served again


def test_each_answer_keeps_the_vote_stamp_it_was_rendered_at() -> None:
    store = ResponseCache()
    old, new = Rendered(b"old", "text/plain"), Rendered(b"new", "text/plain")
    assert store.get(_at(1), "other") is None  # the first lookup starts site version 1
    store.put(_at(1), "other", old)
    store.put(_at(1, 3), "a", old)
    assert store.get(_at(1, 4), "a") is None  # a vote it shows: rendered again
    store.put(_at(1, 4), "a", new)
    store.put(_at(1, 3), "a", old)  # a slower request's older answer does not replace it
    assert store.get(_at(1, 4), "a") is new
    assert store.get(_at(1), "other") is old  # other answers stay


def test_the_cache_keeps_a_bounded_number_of_bytes() -> None:
    store = ResponseCache(max_entries=100, max_bytes=10)
    assert store.get(_at(1), "a") is None  # a lookup at version 1 starts version 1
    store.put(_at(1), "a", Rendered(b"123456", "text/plain"))
    store.put(_at(1), "b", Rendered(b"123456", "text/plain"))  # 12 bytes: "a" goes
    assert store.get(_at(1), "a") is None and store.get(_at(1), "b") is not None
    assert store.bytes == 6
    store.put(_at(1), "b", Rendered(b"1", "text/plain"))  # replacing counts the new size only
    assert store.bytes == 1


def test_page_data_counts_as_the_size_its_caller_estimates() -> None:
    store = ResponseCache(max_entries=100, max_bytes=1000)
    assert store.get(_at(1), "a") is None
    store.put(_at(1), "a", ["a list's data"], size=600)
    store.put(_at(1), "b", ["another list's data"], size=600)  # 1,200 bytes: "a" goes
    assert store.get(_at(1), "a") is None and store.get(_at(1), "b") is not None
    assert store.bytes == 600


def test_if_none_match_forms() -> None:
    assert etag_matches('"abc"', '"abc"')
    assert etag_matches('W/"abc"', '"abc"')
    assert etag_matches('"x", W/"abc" ,"y"', '"abc"')
    assert not etag_matches('"abcd"', '"abc"')
    assert not etag_matches(None, '"abc"')
    assert not etag_matches("*", '"abc"')


@pytest.fixture
def listed(engine: Engine) -> list[str]:
    with unit_of_work(engine) as session:
        papers = [make_paper(session, listed_on=DAY, base_upvotes=n) for n in range(3)]
        return [paper.key for paper in papers]


def test_repeated_queries_come_from_the_cache(client: TestClient, listed: list[str]) -> None:
    first = client.get(LIST)
    store: ResponseCache = client.app.state.response_cache  # type: ignore[attr-defined]
    hits = store.hits
    second = client.get(LIST)
    assert second.content == first.content and store.hits == hits + 1
    other = client.get(LIST, params={"limit": 2})
    assert len(other.json()) == 2 and store.hits == hits + 1  # another query: rendered


def test_page_data_is_cached_per_version(
    client: TestClient, listed: list[str], engine: Engine
) -> None:
    calls: list[int] = []
    app = client.app

    def compute() -> int:
        calls.append(1)
        return len(calls)

    def value() -> int:
        request = Request({"type": "http", "app": app, "headers": []})
        with unit_of_work(engine) as session:
            return request_cache(request).value(session, ("test",), compute)

    assert (value(), value()) == (1, 1)
    with unit_of_work(engine) as session:
        make_paper(session, listed_on=DAY)
    assert (value(), value()) == (2, 2)


def test_a_write_from_another_process_is_seen_at_once(
    client: TestClient, listed: list[str], engine: Engine
) -> None:
    before = client.get(f"/api/papers/{listed[0]}")
    etag = before.headers["etag"]
    assert (
        client.get(f"/api/papers/{listed[0]}", headers={"If-None-Match": etag}).status_code == 304
    )
    # another process: its own engine and connection, raw SQL, no call into this app
    with engine.begin() as conn:
        conn.execute(text("UPDATE papers SET base_upvotes = 40 WHERE key = :k"), {"k": listed[0]})
    after = client.get(f"/api/papers/{listed[0]}", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.json()["upvotes"] == 40
    assert after.headers["etag"] != etag
    modified = parsedate_to_datetime(after.headers["last-modified"])
    assert modified >= parsedate_to_datetime(before.headers["last-modified"])


@pytest.fixture
def second_process(settings: Settings) -> Iterator[TestClient]:
    """A second app over the same database, like a second server worker."""
    app = create_app(settings)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def test_votes_and_submissions_through_one_worker_reach_the_other(
    client: TestClient, second_process: TestClient, listed: list[str], token_user: TokenUser
) -> None:
    cached_list = client.get(LIST, params={"date": DAY.isoformat()}).json()
    assert {item["paper"]["id"]: item["upvotes"] for item in cached_list}[listed[0]] == 0
    vote = second_process.post(f"/api/papers/{listed[0]}/upvote", headers=token_user.headers)
    assert vote.json()["upvotes"] == 1
    fresh = client.get(LIST, params={"date": DAY.isoformat()}).json()
    assert {item["paper"]["id"]: item["upvotes"] for item in fresh}[listed[0]] == 1
    # the same for a feed, and for a comment
    feed = client.get(f"/papers/date/{DAY.isoformat()}/feed.atom")
    second_process.post(
        f"/api/papers/{listed[1]}/comments", json={"body": "hello"}, headers=token_user.headers
    )
    assert client.get(f"/api/papers/{listed[1]}").json()["numComments"] == 1
    again = client.get(
        f"/papers/date/{DAY.isoformat()}/feed.atom",
        headers={"If-None-Match": feed.headers["etag"]},
    )
    assert again.status_code == 200


def test_trending_answers_also_expire_with_the_clock(
    client: TestClient, listed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    params = {"date": DAY.isoformat(), "sort": "trending"}
    store: ResponseCache = client.app.state.response_cache  # type: ignore[attr-defined]
    now = store.clock()
    # the clock held still: two requests across a minute's edge fell in two time buckets
    monkeypatch.setattr(store, "clock", lambda: now)
    first = client.get(LIST, params=params)
    same = client.get(LIST, params=params, headers={"If-None-Match": first.headers["etag"]})
    assert same.status_code == 304
    monkeypatch.setattr(store, "clock", lambda: now + 3600)
    later = client.get(LIST, params=params, headers={"If-None-Match": first.headers["etag"]})
    assert later.status_code == 200 and later.headers["etag"] != first.headers["etag"]
    by_date = client.get(LIST, params={"date": DAY.isoformat()})
    monkeypatch.setattr(store, "clock", lambda: now + 7200)
    unchanged = client.get(
        LIST, params={"date": DAY.isoformat()}, headers={"If-None-Match": by_date.headers["etag"]}
    )
    assert unchanged.status_code == 304  # a list by date does not age
