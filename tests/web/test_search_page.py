"""The search page: results with escaped highlights, filters, the weekly chart."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from tests.factories import make_paper


def test_keyword_search_highlights_and_escapes(client: TestClient, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        make_paper(
            session,
            title="Tokenizers <b>unbound</b> for speech",
            abstract="We study tokenizers for speech recognition.",
            listed_on=date(2026, 2, 19),
            published_at=datetime.now(UTC),
        )
        make_paper(
            session,
            title="Unrelated graphs",
            abstract="Graph coloring.",
            listed_on=date(2026, 2, 19),
        )
    page = client.get("/search", params={"q": "tokenizers", "mode": "keyword"})
    assert page.status_code == 200
    assert "<mark>Tokenizers</mark> &lt;b&gt;unbound&lt;/b&gt;" in page.text
    assert "Unrelated graphs" not in page.text
    assert (
        '<svg class="bars"' in page.text
        and "1 paper holding every word of the search, published" in page.text
    )
    assert 'rel="alternate" type="application/rss+xml"' in page.text


def test_nasty_queries_and_bad_filters(client: TestClient) -> None:
    for query in ['"unbalanced', "NEAR(a b", "title:x -y*"]:
        assert client.get("/search", params={"q": query, "mode": "keyword"}).status_code == 200
    empty = client.get("/search", params={"q": "(((", "mode": "keyword"})
    assert empty.status_code == 400 and "has no words to look for" in empty.text
    assert 'name="q" value="((("' in empty.text  # still on the page, the query in the box
    bad = client.get("/search", params={"q": "x", "from": "2025-13-40"})
    assert bad.status_code == 400 and "is not a date" in bad.text
    assert client.get("/search").status_code == 200


def test_a_too_long_query_keeps_the_user_on_the_page(client: TestClient) -> None:
    query = "attention <b>" + " words" * 200
    page = client.get("/search", params={"q": query})
    assert page.status_code == 400 and 'class="search-form"' in page.text
    assert "characters long; at most 500 are read" in page.text
    assert 'value="attention &lt;b&gt; words' in page.text
    api = client.get("/api/papers/search", params={"q": query})
    assert api.status_code in (400, 422)  # the API keeps its 4xx


def test_mode_header_count_and_known_organizations(client: TestClient, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        for n in range(3):
            make_paper(session, title=f"Lemur calls {n}", organization="lemurlab")
    page = client.get("/search", params={"q": "lemur calls", "mode": "hybrid"})
    assert page.status_code == 200 and page.headers["X-Search-Mode"] == "keyword"
    assert "3 papers hold every word" in page.text and "keyword search" in page.text
    assert '<option value="lemurlab">' in page.text
    api = client.get("/api/papers/search", params={"q": "lemur calls"})
    assert api.headers["X-Search-Mode"] == "keyword" and api.headers["X-Total-Count"] == "3"
    assert client.get("/search", params={"q": "LEMURLAB", "org": "LemurLab"}).status_code == 200
