"""A vote makes stale only the cached answers that show its paper (issue 17, item 3).

Paper A is listed on DAY (the latest day, so also on the front page and in trending), B on
the same day, C on an older day of another week and month. After a vote on A, every page,
answer and feed that shows A is rendered again with the new count, while the cached answers
about B, C, the other day, week and month, and the search chart stay hits. Both backends.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import Response
from fastapi.testclient import TestClient
from httpx import Response as Answer
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from dailypapers.accounts.sessions import create_api_token
from dailypapers.changes.version import SHOWN_VOTES
from dailypapers.db.engine import unit_of_work
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.deps import CacheDep
from dailypapers.web.kept_answers import Rendered
from tests.factories import make_paper, make_user

DAY, OTHER = date(2026, 2, 17), date(2026, 1, 13)
BASE = 41  # A's imported upvotes: a vote makes 42
VOTE = (
    "INSERT INTO upvotes (user_id, paper_id, created_at) "
    "SELECT :user, id, CURRENT_TIMESTAMP FROM papers WHERE key = :key"
)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"embedder": "none"}))  # keyword search
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


@pytest.fixture
def papers(engine: Engine) -> dict[str, str]:
    with unit_of_work(engine) as session:
        a = make_paper(
            session,
            title="Glimmering lattices",
            listed_on=DAY,
            organization="acme",
            base_upvotes=BASE,
            authors=["Ada Quill"],
        )
        b = make_paper(session, title="Quiet rivers", listed_on=DAY, base_upvotes=3)
        c = make_paper(session, title="Distant hills", listed_on=OTHER, base_upvotes=7)
        return {"A": a.key, "B": b.key, "C": c.key}


def _token(engine: Engine) -> dict[str, str]:
    with unit_of_work(engine) as session:
        user = make_user(session)
        return {"Authorization": f"Bearer {create_api_token(session, user=user, name='t')}"}


def _showing_a(a: str) -> dict[str, str]:
    """Answers that show A's count: HTML pages, API answers, and their kind."""
    return {
        "/": "html",
        f"/papers/date/{DAY}": "html",
        "/papers/week/2026-W08": "html",
        "/papers/month/2026-02": "html",
        "/papers/trending": "html",
        "/search?q=glimmering": "html",  # ranked by relevance: kept until A gets a vote
        "/api/daily_papers": "list",
        f"/api/daily_papers?date={DAY}": "list",
        "/api/daily_papers?week=2026-W08": "list",
        "/api/daily_papers?month=2026-02": "list",
        "/api/daily_papers?sort=trending": "list",
        "/api/papers/search?q=glimmering": "list",
        f"/api/papers/{a}": "paper",
        f"/papers/{a}.md": "markdown",
    }


def _unrelated(papers: dict[str, str]) -> list[str]:
    """Cached answers that do not show A: another day, week and month, B, C, a chart."""
    return [
        f"/papers/date/{OTHER}",
        "/papers/week/2026-W03",
        "/papers/month/2026-01",
        f"/api/daily_papers?date={OTHER}",
        f"/papers/date/{OTHER}/feed.atom",
        f"/api/papers/{papers['B']}",
        f"/api/papers/{papers['C']}",
        f"/papers/{papers['C']}.md",
        "/api/papers/search?q=distant",  # finds C only
        "/search?q=distant",
        "/search/feed.atom?q=glimmering",  # a feed shows no counts, ranks by relevance
        "/orgs/acme/feed.atom",  # A's organization and author: newest first, no counts
        "/authors/Ada Quill/feed.rss",
    ]


def _count(response: Answer, kind: str, key: str) -> int:
    """A's upvote count as the answer shows it."""
    if kind == "html":
        form = re.search(
            rf'(?:action="/papers/{re.escape(key)}/upvote"|name="vote" value="{re.escape(key)}")'
            r'.*?<span class="count">(\d*)</span>',
            response.text,
            re.S,
        )
        assert form, "A's card is missing"
        return int(form.group(1) or 0)
    if kind == "list":
        return int({i["paper"]["id"]: i["upvotes"] for i in response.json()}[key])
    if kind == "paper":
        return int(response.json()["upvotes"])
    found = re.search(r"\*\*Upvotes:\*\* (\d+)", response.text)
    assert found, response.text
    return int(found.group(1))


def _twice(client: TestClient, url: str) -> Answer:
    """Fill the cache with `url`, then read it again: the second answer is a hit."""
    client.get(url)
    again = client.get(url)
    assert again.status_code == 200, url
    assert again.headers.get("x-app-cache") == "hit", url
    return again


def test_a_vote_refreshes_every_answer_showing_the_paper_and_no_other(
    client: TestClient, papers: dict[str, str], engine: Engine
) -> None:
    a, token = papers["A"], _token(engine)  # a new user moves the site version: first
    showing = _showing_a(a)
    before = {url: _twice(client, url) for url in [*showing, *_unrelated(papers)]}
    for url, kind in showing.items():
        assert _count(before[url], kind, a) == BASE, url
    day_feed = _twice(client, f"/papers/date/{DAY}/feed.atom")

    vote = client.post(f"/api/papers/{a}/upvote", headers=token)
    assert vote.json()["upvotes"] == BASE + 1

    for url in _unrelated(papers):
        after = client.get(url)
        assert after.headers.get("x-app-cache") == "hit", url
        assert after.content == before[url].content, url
    for url, kind in showing.items():
        after = client.get(url)
        assert after.headers.get("x-app-cache") == "miss", url
        assert _count(after, kind, a) == BASE + 1, url
    feed = client.get(day_feed.request.url, headers={"If-None-Match": day_feed.headers["etag"]})
    assert feed.status_code == 200 and feed.headers["x-app-cache"] == "miss"


def test_uncached_pages_show_the_vote_too(
    client: TestClient, papers: dict[str, str], engine: Engine
) -> None:
    a = papers["A"]
    pages = [f"/papers/{a}", "/orgs/acme", "/authors/Ada Quill", "/search?q=glimmering"]
    vote = client.post(f"/api/papers/{a}/upvote", headers=_token(engine))
    assert vote.json()["upvotes"] == BASE + 1
    for url in pages:
        assert _count(client.get(url), "html", a) == BASE + 1, url


def test_a_vote_from_another_process_and_its_removal_are_seen(
    client: TestClient, papers: dict[str, str], engine: Engine
) -> None:
    """Raw SQL on a connection of its own: the triggers, not the app, move the versions."""
    a, url = papers["A"], f"/api/daily_papers?date={DAY}"
    with unit_of_work(engine) as session:
        ids = {"user": make_user(session).id, "key": a}  # a new user moves the site version
    other = _twice(client, f"/api/papers/{papers['C']}")
    etag = _twice(client, url).headers["etag"]
    delete = "DELETE FROM upvotes WHERE user_id = :user"
    for statement, expected in ((VOTE, BASE + 1), (delete, BASE)):
        with engine.begin() as conn:
            conn.execute(text(statement), ids)
        fresh = client.get(url, headers={"If-None-Match": etag})
        assert fresh.status_code == 200 and _count(fresh, "list", a) == expected
        assert fresh.headers["etag"] != etag
        etag = fresh.headers["etag"]
        again = client.get(f"/api/papers/{papers['C']}")
        assert again.headers["x-app-cache"] == "hit" and again.content == other.content


def test_an_answer_rendered_while_a_vote_lands_is_not_kept(
    client: TestClient, papers: dict[str, str], engine: Engine
) -> None:
    """An answer stale only for the votes of the papers it shows reads their versions after
    rendering: they are its own only if no vote at all landed meanwhile (here one on B)."""
    with unit_of_work(engine) as session:
        ids = {"user": make_user(session).id, "key": papers["B"]}
    renders: list[int] = []

    def render(session: Session) -> Rendered:
        renders.append(1)
        if len(renders) == 1:
            with engine.begin() as conn:
                conn.execute(text(VOTE), ids)
        return Rendered(b"[]", "application/json", shows=(papers["A"],))

    async def shown(cache: CacheDep) -> Response:
        return await cache.serve(("shown",), render, votes=SHOWN_VOTES)

    client.app.add_api_route("/test-shown", shown)  # type: ignore[attr-defined]
    first = client.get("/test-shown")
    assert first.headers["x-app-cache"] == "miss" and "etag" not in first.headers
    second = client.get("/test-shown")
    assert second.headers["x-app-cache"] == "miss" and "etag" in second.headers
    third = client.get("/test-shown", headers={"If-None-Match": second.headers["etag"]})
    assert third.status_code == 304 and third.headers["x-app-cache"] == "hit"
    assert len(renders) == 2


@pytest.fixture
def grace_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"embedder": "none", "vote_grace_seconds": 60}))
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def test_within_the_vote_grace_anonymous_readers_keep_the_cached_answer(
    grace_client: TestClient, papers: dict[str, str], engine: Engine
) -> None:
    """DAILYPAPERS_VOTE_GRACE_SECONDS: anonymous requests take an answer rendered before
    a vote until the grace has passed; a token, a session cookie or a page's own viewer
    always get the exact count; a change of the site version is seen at once."""
    client, a, token = grace_client, papers["A"], _token(engine)
    now = [1_000_020.0]  # the start of a trending time bucket (60 s)
    client.app.state.response_cache.clock = lambda: now[0]  # type: ignore[attr-defined]
    showing = _showing_a(a)
    before = {url: _twice(client, url) for url in showing}
    assert client.post(f"/api/papers/{a}/upvote", headers=token).json()["upvotes"] == BASE + 1

    now[0] += 30
    for url, kind in showing.items():
        stale = client.get(url)
        assert stale.headers.get("x-app-cache") == "hit", url
        assert _count(stale, kind, a) == BASE, url
        if "etag" in before[url].headers:  # the validator of the answer given: the old one
            assert stale.headers["etag"] == before[url].headers["etag"], url
    for headers in (token, {"Cookie": "dp_session=whoever"}):
        exact = client.get(f"/api/papers/{a}", headers=headers)
        assert exact.json()["upvotes"] == BASE + 1, headers

    now[0] += 31  # the grace has passed
    for url, kind in showing.items():
        assert _count(client.get(url), kind, a) == BASE + 1, url


def test_the_vote_grace_does_not_hide_other_changes(
    grace_client: TestClient, papers: dict[str, str], engine: Engine
) -> None:
    """A write that moves the site version (here a new paper on DAY) empties the cache."""
    url = f"/api/daily_papers?date={DAY}"
    assert len(_twice(grace_client, url).json()) == 2
    with unit_of_work(engine) as session:
        make_paper(session, title="Fresh snow", listed_on=DAY)
    assert len(grace_client.get(url).json()) == 3
