"""The JSON API in process, on both backends: shapes, periods, sorting, errors, writes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.demo import DEMO_DATE, load_demo
from tests.api.conftest import TokenUser
from tests.factories import make_paper

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
NEXT_DAY = DEMO_DATE + timedelta(days=1)  # 2026-02-20, in ISO week 2026-W08
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3))'


def _crafted(engine: Engine) -> dict[str, str]:
    """The demo day plus two papers on the next day and one on the Monday of the week."""
    with unit_of_work(engine) as session:
        load_demo(session)
        alpha = make_paper(
            session,
            title="Alpha: a tokenizer for everything",
            listed_on=NEXT_DAY,
            organization="acme",
            authors=["Ada Lovelace", "Alan Turing"],
            published_at=datetime(2026, 2, 18, 9, 30, 12, 345678, tzinfo=UTC),
            code_url="https://github.com/acme/alpha",
            github_stars=42,
            project_url="https://acme.example/alpha",
            ai_summary="Alpha tokenizes everything.",
            ai_keywords=["tokenizer", "alpha"],
            submitter_name="hf_person",
            base_upvotes=7,
            categories=["cs.CL", "cs.LG"],
        )
        beta = make_paper(
            session,
            title=f"Beta {HOSTILE}",
            listed_on=NEXT_DAY,
            published_at=datetime(2026, 2, 19, 23, 0, tzinfo=UTC),
            base_upvotes=1,
        )
        monday = make_paper(session, title="Monday paper", listed_on=date(2026, 2, 16))
        return {"alpha": alpha.key, "beta": beta.key, "monday": monday.key}


def _get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_items_have_the_shape_the_client_reads(client: TestClient, engine: Engine) -> None:
    keys = _crafted(engine)
    items = _get(client, "/api/daily_papers")
    # no date: the latest listed day, newest publication first
    assert [item["paper"]["id"] for item in items] == [keys["beta"], keys["alpha"]]
    alpha = items[1]
    paper = alpha["paper"]
    assert paper["title"] == alpha["title"] == "Alpha: a tokenizer for everything"
    assert paper["summary"] == alpha["summary"] and alpha["summary"].startswith("Abstract of")
    assert [a["name"] for a in paper["authors"]] == ["Ada Lovelace", "Alan Turing"]
    assert paper["publishedAt"] == "2026-02-18T09:30:12.345Z"
    assert alpha["publishedAt"] == paper["submittedOnDailyAt"] == "2026-02-20T00:00:00.000Z"
    assert alpha["submittedBy"]["user"] == alpha["submittedBy"]["name"] == "hf_person"
    assert paper["submittedOnDailyBy"] == alpha["submittedBy"]
    assert alpha["organization"] == paper["organization"]
    assert alpha["organization"]["name"] == "acme"
    assert set(alpha["organization"]) >= {"avatar", "avatarUrl", "fullname"}
    assert alpha["upvotes"] == paper["upvotes"] == 7
    assert alpha["numComments"] == paper["numComments"] == 0
    assert alpha["ai_summary"] == "Alpha tokenizes everything."
    assert alpha["ai_keywords"] == ["tokenizer", "alpha"]
    assert alpha["githubRepo"] == "https://github.com/acme/alpha"
    assert alpha["githubStars"] == 42
    assert alpha["projectPage"] == "https://acme.example/alpha"
    assert paper["categories"] == ["cs.CL", "cs.LG"]
    assert paper["arxivUrl"] == f"https://arxiv.org/abs/{keys['alpha']}"
    assert paper["url"] == f"http://testserver/papers/{keys['alpha']}"
    assert items[0]["submittedBy"] is None and items[0]["organization"] is None
    assert items[0]["title"].endswith(HOSTILE)  # JSON carries text as it is


def test_every_timestamp_has_the_one_accepted_form(client: TestClient, engine: Engine) -> None:
    _crafted(engine)
    found = []

    def walk(value: Any, name: str = "") -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, key)
        elif isinstance(value, list):
            for inner in value:
                walk(inner, name)
        elif name.endswith("At") and value is not None:
            found.append(value)
            assert TIMESTAMP.match(value), (name, value)

    walk(_get(client, "/api/daily_papers", week="2026-W08", limit=100))
    assert len(found) >= 57 * 2  # every listing time, and most publication times


def test_days_weeks_months_and_pages(client: TestClient, engine: Engine) -> None:
    _crafted(engine)
    assert len(_get(client, "/api/daily_papers", date="2026-02-19", limit=100)) == 54
    assert len(_get(client, "/api/daily_papers", date="2026-02-18")) == 0
    assert len(_get(client, "/api/daily_papers", week="2026-W08", limit=100)) == 57
    assert len(_get(client, "/api/daily_papers", week="2026-W07", limit=100)) == 0
    assert len(_get(client, "/api/daily_papers", month="2026-02", limit=100)) == 57
    first = _get(client, "/api/daily_papers", month="2026-02", limit=50)
    second = _get(client, "/api/daily_papers", month="2026-02", limit=50, p=1)
    assert (len(first), len(second)) == (50, 7)
    ids = [item["paper"]["id"] for item in first + second]
    assert len(set(ids)) == 57
    # newest publication first across the pages
    times = [item["paper"]["publishedAt"] or "" for item in first + second]
    assert times == sorted(times, reverse=True)


BAD_PARAMETERS: list[tuple[dict[str, Any], int, str]] = [
    ({"date": "2026-02-30"}, 400, "not a valid day"),
    ({"date": "2026-2-19"}, 400, "expected YYYY-MM-DD"),
    ({"week": "2026-W54"}, 400, "not a valid week"),
    ({"month": "2026-13"}, 400, "not a valid month"),
    ({"date": "2026-02-19", "week": "2026-W08"}, 400, "only one of"),
    ({"limit": 0}, 422, "limit"),
    ({"limit": 101}, 422, "limit"),
    ({"p": -1}, 422, "p"),
    ({"sort": "upvotes"}, 422, "sort"),
]


def test_bad_parameters_are_named(client: TestClient) -> None:
    for params, status, words in BAD_PARAMETERS:
        response = client.get("/api/daily_papers", params=params)
        assert response.status_code == status, params
        assert words in response.json()["error"], params


def test_trending_sort_uses_the_trending_score(client: TestClient, engine: Engine) -> None:
    day = date(2026, 3, 2)
    with unit_of_work(engine) as session:
        older = make_paper(
            session,
            title="Older but loved",
            listed_on=day,
            published_at=datetime(2026, 2, 27, tzinfo=UTC),
            base_upvotes=50,
        )
        newer = make_paper(
            session,
            title="Newer, unloved",
            listed_on=day,
            published_at=datetime(2026, 3, 1, tzinfo=UTC),
        )
    by_date = _get(client, "/api/daily_papers", date=day.isoformat())
    trending = _get(client, "/api/daily_papers", date=day.isoformat(), sort="trending")
    assert [i["paper"]["id"] for i in by_date] == [newer.key, older.key]
    assert [i["paper"]["id"] for i in trending] == [older.key, newer.key]


def test_submitter_filter(client: TestClient, engine: Engine) -> None:
    keys = _crafted(engine)
    items = _get(client, "/api/daily_papers", week="2026-W08", submitter="hf_person")
    assert [item["paper"]["id"] for item in items] == [keys["alpha"]]
    assert _get(client, "/api/daily_papers", week="2026-W08", submitter="nobody") == []


def test_one_paper_its_markdown_and_unknown_ids(client: TestClient, engine: Engine) -> None:
    keys = _crafted(engine)
    paper = _get(client, f"/api/papers/{keys['alpha']}")
    assert paper["id"] == keys["alpha"] and paper["title"].startswith("Alpha")
    assert paper["submittedOnDailyBy"]["user"] == "hf_person"
    assert paper["githubStars"] == 42 and paper["numComments"] == 0
    text = client.get(f"/papers/{keys['alpha']}.md")
    assert text.headers["content-type"].startswith("text/markdown")
    assert text.text.startswith("# Alpha: a tokenizer for everything\n")
    assert "Ada Lovelace, Alan Turing" in text.text
    assert f"<https://arxiv.org/abs/{keys['alpha']}>" in text.text
    hostile = client.get(f"/papers/{keys['beta']}.md").text
    # every markup character arrives backslash-escaped: no raw HTML, no link
    assert not re.search(r"(?<!\\)<(script|img)", hostile)
    assert not re.search(r"(?<!\\)\]\(javascript", hostile)
    assert r"\<script\>alert(1)\</script\>" in hostile
    for path in ("/api/papers/2699.99999", "/papers/2699.99999.md"):
        missing = client.get(path)
        assert missing.status_code == 404, path
        assert "2699.99999" in missing.json()["error"]


def test_an_unknown_bearer_token_on_a_read_is_ignored(client: TestClient, engine: Engine) -> None:
    keys = _crafted(engine)
    headers = {"Authorization": "Bearer hf_not_one_of_ours"}
    listed = client.get("/api/daily_papers", headers=headers)
    assert listed.status_code == 200 and len(listed.json()) == 2
    one = client.get(f"/api/papers/{keys['alpha']}", headers=headers)
    assert one.status_code == 200


def test_search(client: TestClient, engine: Engine) -> None:
    keys = _crafted(engine)
    response = client.get("/api/papers/search", params={"q": "tokenizer everything"})
    assert response.headers["x-search-mode"] == "keyword"  # no model loaded in these tests
    assert response.json()[0]["paper"]["id"] == keys["alpha"]
    many = _get(client, "/api/papers/search", q="tokenizer", limit=3)
    assert len(many) == 3
    for item in many:
        assert "token" in (item["title"] + " " + item["summary"]).lower()  # stems match
    latest = _get(client, "/api/papers/search")
    assert {item["paper"]["id"] for item in latest} == {keys["alpha"], keys["beta"]}
    assert _get(client, "/api/papers/search", q="zzzqqq") == []
    bad = client.get("/api/papers/search", params={"q": "x", "mode": "magic"})
    assert bad.status_code == 422 and "mode" in bad.json()["error"]


def test_votes_need_a_token_and_toggle(
    client: TestClient, engine: Engine, token_user: TokenUser
) -> None:
    keys = _crafted(engine)
    path = f"/api/papers/{keys['alpha']}/upvote"
    assert client.post(path).status_code == 401
    unknown = client.post(path, headers={"Authorization": "Bearer dp_unknown"})
    assert unknown.status_code == 401 and "token" in unknown.json()["error"]
    on = client.post(path, headers=token_user.headers)
    assert on.status_code == 200
    assert on.json() == {"id": keys["alpha"], "upvoted": True, "upvotes": 8}
    assert _get(client, f"/api/papers/{keys['alpha']}")["upvotes"] == 8
    off = client.post(path, headers=token_user.headers).json()
    assert off["upvoted"] is False and off["upvotes"] == 7
    assert (
        client.post("/api/papers/2699.99999/upvote", headers=token_user.headers).status_code == 404
    )


def test_submissions_by_token(client: TestClient, engine: Engine, token_user: TokenUser) -> None:
    keys = _crafted(engine)
    with unit_of_work(engine) as session:
        fresh = make_paper(
            session, title="Fresh", published_at=datetime.now(UTC) - timedelta(days=1)
        )
    assert client.post("/api/daily_papers", json={"arxiv": fresh.key}).status_code == 401
    made = client.post(
        "/api/daily_papers",
        json={"arxiv": f"https://arxiv.org/abs/{fresh.key}v2"},
        headers=token_user.headers,
    )
    assert made.status_code == 201, made.text
    item = made.json()
    assert item["paper"]["id"] == fresh.key
    assert item["submittedBy"]["user"] == token_user.username
    assert TIMESTAMP.match(item["publishedAt"])
    today = _get(client, "/api/daily_papers", submitter=token_user.username)
    assert [i["paper"]["id"] for i in today] == [fresh.key]
    again = client.post("/api/daily_papers", json={"arxiv": fresh.key}, headers=token_user.headers)
    assert again.status_code == 400 and "already listed" in again.json()["error"]
    bad = client.post("/api/daily_papers", json={"arxiv": "not an id"}, headers=token_user.headers)
    assert bad.status_code == 400 and "not an arXiv id" in bad.json()["error"]
    old = client.post(
        "/api/daily_papers", json={"arxiv": keys["alpha"]}, headers=token_user.headers
    )
    assert old.status_code == 400 and "already listed" in old.json()["error"]


def test_comments_by_token(client: TestClient, engine: Engine, token_user: TokenUser) -> None:
    keys = _crafted(engine)
    path = f"/api/papers/{keys['alpha']}/comments"
    assert client.post(path, json={"body": "hi"}).status_code == 401
    made = client.post(path, json={"body": f"Nice {HOSTILE}"}, headers=token_user.headers)
    assert made.status_code == 201
    body = made.json()
    assert body["body"] == f"Nice {HOSTILE}" and body["author"]["user"] == token_user.username
    assert TIMESTAMP.match(body["createdAt"]) and body["editedAt"] is None
    assert _get(client, f"/api/papers/{keys['alpha']}")["numComments"] == 1
    empty = client.post(path, json={"body": "   "}, headers=token_user.headers)
    assert empty.status_code == 400 and "empty" in empty.json()["error"]
