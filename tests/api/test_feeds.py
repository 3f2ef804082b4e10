"""RSS and Atom feeds of every list parse cleanly in feedparser, hostile text included."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from urllib.parse import quote

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.demo import load_demo
from tests.factories import make_paper

DAY = date(2026, 2, 20)
TITLE = 'Evil <script>alert(1)</script><img src=x onerror="alert(2)"> & ]]> co'
ABSTRACT = "We <b>bold</b> & <script>alert(3)</script>\x0b claim a<b and x]]>y."
AUTHOR = "Eve <img src=x onerror=alert(4)> O'Neil"  # no "/": a path segment cannot hold one
ORG = "acme&<co>"
ORG_PATH = quote(ORG, safe="")
AUTHOR_PATH = quote(AUTHOR, safe="")


@pytest.fixture
def corpus(engine: Engine) -> dict[str, str]:
    with unit_of_work(engine) as session:
        load_demo(session)
        evil = make_paper(
            session,
            title=TITLE,
            abstract=ABSTRACT,
            authors=[AUTHOR, "Bob Plain"],
            organization=ORG,
            listed_on=DAY,
            published_at=datetime(2026, 2, 19, 8, tzinfo=UTC),
            categories=["cs.CL"],
        )
        make_paper(session, title="A tokenizer from Zanzibar", listed_on=DAY)
        return {"evil": evil.key}


FEEDS = [
    ("/papers/feed", 2, "/papers"),
    ("/papers/date/2026-02-20/feed", 2, "/papers/date/2026-02-20"),
    ("/papers/date/2026-02-19/feed", 54, "/papers/date/2026-02-19"),
    ("/papers/week/2026-W08/feed", 56, "/papers/week/2026-W08"),
    ("/papers/month/2026-02/feed", 56, "/papers/month/2026-02"),
    ("/papers/trending/feed", 56, "/papers/trending"),
    (f"/orgs/{ORG_PATH}/feed", 1, f"/orgs/{ORG_PATH}"),
    (f"/authors/{AUTHOR_PATH}/feed", 1, f"/authors/{AUTHOR_PATH}"),
]


def test_every_feed_parses_without_errors(client: TestClient, corpus: dict[str, str]) -> None:
    for path, count, page in FEEDS:
        for fmt in ("rss", "atom"):
            _check_feed(client, corpus, f"{path}.{fmt}", fmt, count, page)


def _check_feed(
    client: TestClient, corpus: dict[str, str], url: str, fmt: str, count: int, page: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text)
    assert response.headers["content-type"].startswith(f"application/{fmt}+xml")
    assert response.headers["etag"]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    assert feed.version == ("rss20" if fmt == "rss" else "atom10")
    assert len(feed.entries) == count, url
    assert feed.feed.link == f"http://testserver{page}"
    assert all(entry.link.startswith("http://testserver/papers/") for entry in feed.entries)
    evil = [entry for entry in feed.entries if entry.link.endswith("/" + corpus["evil"])]
    if page != "/papers/date/2026-02-19":
        _check_evil_entry(evil[0], fmt)
    assert b"<script" not in response.content  # every tag arrives as escaped text


def _check_evil_entry(entry: feedparser.FeedParserDict, fmt: str) -> None:
    assert entry.title == TITLE
    clean = ABSTRACT.replace("\x0b", "")
    if fmt == "atom":
        assert entry.summary == clean and entry.summary_detail.type == "text/plain"
    else:  # an RSS description is HTML: the abstract comes as escaped text, no tags
        assert html.unescape(entry.summary) == clean and "<" not in entry.summary
    assert [author.name for author in entry.authors][-2:] == [AUTHOR, "Bob Plain"]
    assert entry.published_parsed[:4] == (2026, 2, 20, 0)


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_search_feed(client: TestClient, corpus: dict[str, str], fmt: str) -> None:
    response = client.get(f"/search/feed.{fmt}", params={"q": "zanzibar tokenizer"})
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    assert feed.entries[0].title == "A tokenizer from Zanzibar"
    assert feed.feed.link == "http://testserver/search?q=zanzibar+tokenizer"


def test_unknown_and_malformed_feeds(client: TestClient, corpus: dict[str, str]) -> None:
    assert client.get("/orgs/nobody/feed.rss").status_code == 404
    assert client.get("/authors/Nobody%20Atall/feed.atom").status_code == 404
    bad = client.get("/papers/date/2026-02-31/feed.rss")
    assert bad.status_code == 400 and "not a valid day" in bad.text
    assert client.get("/papers/week/2026-W08/feed.json").status_code == 422


def test_a_feed_is_answered_304_until_a_vote_changes_it(
    client: TestClient, corpus: dict[str, str], engine: Engine
) -> None:
    first = client.get("/papers/date/2026-02-20/feed.atom")
    etag = first.headers["etag"]
    again = client.get("/papers/date/2026-02-20/feed.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    with unit_of_work(engine) as session:
        make_paper(session, title="Late addition", listed_on=DAY)
    changed = client.get("/papers/date/2026-02-20/feed.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "Late addition" in [e.title for e in feedparser.parse(changed.content).entries]
