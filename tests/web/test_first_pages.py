"""The daily list and the paper page: content, paging, escaping."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.demo import load_demo
from tests.factories import make_paper

DAY = date(2026, 2, 19)


def test_home_shows_the_latest_daily_list(client: TestClient, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        load_demo(session)
    page = client.get("/")
    assert page.status_code == 200
    assert page.text.count('class="card"') == 54
    assert "TokenFlow: Unified Image Tokenizer" in page.text
    assert "NVIDIA" in page.text
    assert "Liao Qu, Huichao Zhang, Yiheng Liu, Xu Wang and 6 more" in page.text  # TokenFlow
    assert "Feb 19, 2026" in page.text
    # most upvoted first: AToken has 10 upvotes, the most on the page
    assert page.text.index("AToken: A Unified Tokenizer") < page.text.index("TokenFlow")


def test_the_paper_page_and_404(client: TestClient, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        paper = make_paper(
            session,
            title="Attention Is Enough",
            listed_on=DAY,
            authors=["Ada Lovelace", "Alan Turing"],
            code_url="https://github.com/a/b",
        )
        key = paper.key
    page = client.get(f"/papers/{key}")
    assert page.status_code == 200
    assert "Attention Is Enough" in page.text
    assert '<a href="/authors/Ada%20Lovelace">Ada Lovelace</a>' in page.text
    assert f"https://arxiv.org/abs/{key}" in page.text and "https://github.com/a/b" in page.text
    assert client.get("/papers/9999.99999").status_code == 404


def test_lists_over_one_page_are_paged(client: TestClient, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        for _ in range(103):
            make_paper(session, listed_on=DAY)
    first = client.get("/")
    assert first.text.count('class="card"') == 100
    assert "page 1 of 2" in first.text
    second = client.get("/?p=2")
    assert second.text.count('class="card"') == 3
    for past in ("/?p=0", "/?p=9999", "/papers/date/2026-02-19?p=3"):
        missing = client.get(past)  # a page past the end: said in words, with the last page
        assert missing.status_code == 404, past
        assert "does not exist; the last page is" in missing.text
        assert '<a href="?p=2">2</a>' in missing.text and 'class="card"' not in missing.text


def test_text_is_escaped(client: TestClient, engine: Engine) -> None:
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    with unit_of_work(engine) as session:
        paper = make_paper(
            session, title=f"Evil {payload}", abstract=payload, authors=[payload], listed_on=DAY
        )
        key = paper.key
    for path in ("/", f"/papers/{key}"):
        text = client.get(path).text
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
