"""Hostile input gets a 4xx naming the problem, never a 500 (both backends)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.hardening.conftest import TokenUser
from tests.web.helpers import csrf

FTS_SYNTAX = ['"unbalanced', "a*", "NEAR(attention need", "title:attention", "-attention"]
FTS_SYNTAX += ["attention)", '"" AND OR NOT', "^attention", "attention NEAR/3 *", "{title}:x"]
NO_WORDS = ["(((", '"', '"" * : - ( )', "^*^", "{}:"]


@pytest.mark.usefixtures("papers")
def test_a_search_without_words_is_a_400_that_says_so(client: TestClient) -> None:
    for query in NO_WORDS:
        for answer in (
            client.get("/search", params={"q": query, "mode": "keyword"}),
            client.get("/api/papers/search", params={"q": query}),
            client.get("/search/feed.rss", params={"q": query}),
        ):
            assert answer.status_code == 400, (query, answer.request.url, answer.text[:200])
            assert "has no words to look for" in answer.text, answer.text[:300]


@pytest.mark.usefixtures("papers")
def test_fts_syntax_is_searched_as_words(client: TestClient) -> None:
    for query in FTS_SYNTAX:
        page = client.get("/search", params={"q": query, "mode": "keyword"})
        api = client.get("/api/papers/search", params={"q": query, "mode": "keyword"})
        hybrid = client.get("/api/papers/search", params={"q": query})
        assert page.status_code == 200, (query, page.text)
        assert api.status_code == 200 and hybrid.status_code == 200, (query, api.text)
        if "attention" in query and "NEAR" not in query:  # words found, syntax ignored
            assert any(item["title"] == "Attention is all you need" for item in api.json())
            assert "all you need" in page.text


OUT_OF_RANGE = [
    ("/api/daily_papers?date=2025-13-40", 400, "'2025-13-40' is not a valid day"),
    ("/api/daily_papers?month=2025-13", 400, "not a valid month"),
    ("/api/daily_papers?week=2025-W99", 400, "not a valid week"),
    ("/api/daily_papers?p=-1", 422, "p: Input should be greater than or equal to 0"),
    ("/api/daily_papers?p=99999999999999999999", 422, "p: Input should be less than"),
    ("/api/daily_papers?limit=10000000000", 422, "limit: Input should be less than"),
    ("/api/papers/search?q=a&limit=99999999999999999999", 422, "limit: Input should be"),
    ("/api/papers/search?q=" + "x" * 501, 422, "q: String should have at most 500"),
    ("/papers/date/2025-13-40", 400, "2025-13-40"),
    ("/papers/month/2025-00", 400, "2025-00"),
    # HTML pages say a page past the end does not exist and link the last one (issue 14)
    ("/papers?p=99999999999999999999", 404, "does not exist; the last page is"),
    ("/papers/trending?p=-5", 404, "Page -5 does not exist; the last page is"),
    ("/search?q=x&from=2025-13-40", 400, "is not a date"),
    ("/search?q=x&p=100000", 404, "Page 100000 does not exist; the last page is"),
    ("/papers/date/2025-13-40/feed.rss", 400, "2025-13-40"),
]


def test_out_of_range_values_are_named(client: TestClient) -> None:
    for url, status, names in OUT_OF_RANGE:
        response = client.get(url)
        assert response.status_code == status, (url, response.text)
        assert names in response.text, url


BAD_URLS = [
    ("/search?q=%ff%fe", "The query string is not valid UTF-8"),
    ("/api/papers/search?q=caf%e9", "The query string is not valid UTF-8"),
    ("/api/daily_papers?submitter=%00", "The query string contains a NUL character"),
    ("/authors/x%00y", "The URL path contains a NUL character"),
    ("/api/papers/%ff", "The URL path is not valid UTF-8"),
    ("/users/%c3%28", "The URL path is not valid UTF-8"),
    ("/api/daily_papers?limit=2&=null", "a value without a parameter name"),
]


def test_invalid_utf8_and_nul_in_urls(client: TestClient) -> None:
    for url, names in BAD_URLS:
        response = client.get(url)
        assert response.status_code == 400, url
        assert names in response.text, url


def _form(client: TestClient, url: str, body: bytes) -> object:
    token = csrf(client).encode()
    return client.post(
        url,
        content=b"csrf_token=" + token + b"&" + body,
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def test_invalid_utf8_in_forms(client: TestClient) -> None:
    for body in [b"login=%ff%fe&password=whatever123", b"login=\xff&password=whatever123"]:
        response = _form(client, "/login", body)
        assert response.status_code == 400  # type: ignore[attr-defined]
        assert "The form body is not valid UTF-8" in response.text  # type: ignore[attr-defined]
    nul = _form(client, "/signup", b"email=a%00@b.org&username=ab&password=whatever123")
    assert nul.status_code == 400 and "NUL" in nul.text  # type: ignore[attr-defined]


@pytest.mark.usefixtures("papers")
def test_invalid_json_bodies(client: TestClient, token_user: TokenUser, papers: list[str]) -> None:
    url = f"/api/papers/{papers[0]}/comments"
    headers = {**token_user.headers, "content-type": "application/json"}
    cases = {
        b'{"body": "caf\xe9"}': "The JSON body is not valid UTF-8",
        b'{"body": "a\\u0000b"}': "The JSON body contains a NUL character",
        b'{"body": "\\ud800 lone surrogate"}': "The JSON body is not valid UTF-8",
        b'{"body": ': "",
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[": "",
    }
    for body, names in cases.items():
        response = client.post(url, content=body, headers=headers)
        assert 400 <= response.status_code < 500, (body, response.status_code, response.text)
        assert names in response.json()["error"]
    good = client.post(url, json={"body": "Fine comment, café ☕"}, headers=token_user.headers)
    assert good.status_code == 201, good.text


def test_oversized_bodies_get_413(client: TestClient, token_user: TokenUser) -> None:
    big = b"x" * (1_048_576 + 1)
    form = _form(client, "/login", b"login=a&password=" + big)
    assert form.status_code == 413  # type: ignore[attr-defined]
    assert "larger than the limit of 1048576 bytes" in form.text  # type: ignore[attr-defined]
    json_body = b'{"arxiv": "' + big + b'"}'
    headers = {**token_user.headers, "content-type": "application/json"}
    api = client.post("/api/daily_papers", content=json_body, headers=headers)
    assert api.status_code == 413 and "larger than the limit" in api.json()["error"]

    def chunks() -> object:  # no Content-Length: the guard counts the streamed bytes
        for _ in range(20):
            yield b"y" * 100_000

    streamed = client.post(
        "/api/daily_papers", content=chunks(), headers={**headers, "content-type": "text/plain"}
    )
    assert streamed.status_code == 413, streamed.text
    small = client.post("/api/daily_papers", json={"arxiv": "not an id"}, headers=headers)
    assert small.status_code == 400  # under the limit, the route itself answers


@pytest.mark.usefixtures("papers")
def test_a_search_of_other_symbols_is_valid_and_finds_nothing(client: TestClient) -> None:
    """`©` is allowed by the API's documented pattern (schemathesis sends it): 200, empty."""
    for query in ["©", "→ ∑", "© (((", "☃"]:
        api = client.get("/api/papers/search", params={"q": query})
        assert api.status_code == 200 and api.json() == [], (query, api.text[:200])
        assert api.headers["X-Total-Count"] == "0"
        feed = client.get("/search/feed.rss", params={"q": query})
        assert feed.status_code == 200 and "<item>" not in feed.text, (query, feed.text[:300])
        page = client.get("/search", params={"q": query, "mode": "keyword"})
        assert "has no words to look for" in page.text, page.text[:300]
