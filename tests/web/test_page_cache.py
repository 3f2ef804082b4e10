"""HTML pages kept whole for anonymous readers (web/page_cache.py): the second anonymous
read of a list, a paper page or a search is the kept body, a vote on a paper it shows or a new
comment makes it render again, and signed-in readers never get it. Both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from dailypapers.community.models import Comment
from dailypapers.db.engine import unit_of_work
from dailypapers.papers.models import Paper
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from tests.factories import make_paper, make_user
from tests.web.helpers import sign_up

DAY = date(2026, 2, 17)
VOTE = (
    "INSERT INTO upvotes (user_id, paper_id, created_at) "
    "SELECT :user, id, CURRENT_TIMESTAMP FROM papers WHERE key = :key"
)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"embedder": "none", "vote_grace_seconds": 0}))
    with TestClient(app) as client:
        yield client
    app.state.deliveries.join()
    app.state.engine.dispose()


@pytest.fixture
def papers(engine: Engine) -> dict[str, str]:
    with unit_of_work(engine) as session:
        a = make_paper(session, title="Glimmering lattices", listed_on=DAY, base_upvotes=41)
        b = make_paper(session, title="Quiet rivers", listed_on=DAY, base_upvotes=3)
        voter = make_user(session)  # made first: a new user moves the site version
        return {"A": a.key, "B": b.key, "voter": str(voter.id)}


def _vote(engine: Engine, key: str, voter: int) -> None:
    with unit_of_work(engine) as session:
        session.execute(text(VOTE), {"user": voter, "key": key})


def _pages(papers: dict[str, str]) -> list[str]:
    pages = ["/", f"/papers/date/{DAY}", "/papers/trending", f"/papers/{papers['A']}"]
    return [*pages, "/search?q=glimmering"]  # the search finds A only


def test_an_anonymous_page_is_kept_whole_until_a_vote_it_shows(
    client: TestClient, engine: Engine, papers: dict[str, str]
) -> None:
    for page in _pages(papers):
        first = client.get(page)
        again = client.get(page)
        assert first.status_code == again.status_code == 200, page
        assert again.headers["x-app-cache"] == "hit", page
        assert again.text == first.text, page
        assert again.headers["cache-control"].startswith("public"), page
        assert "csrf_token" not in again.text, page
        unchanged = client.get(page, headers={"If-None-Match": again.headers["etag"]})
        assert unchanged.status_code == 304, page
        assert again.headers.get("x-search-mode") == first.headers.get("x-search-mode"), page
    assert client.get("/search?q=glimmering").headers["x-search-mode"] == "keyword"
    _vote(engine, papers["B"], int(papers["voter"]))  # B is on the lists, not on A's pages
    for page in (f"/papers/{papers['A']}", "/search?q=glimmering"):
        assert client.get(page).headers["x-app-cache"] == "hit", page
    _vote(engine, papers["A"], int(papers["voter"]))
    for page in _pages(papers):
        after = client.get(page)
        assert after.headers["x-app-cache"] == "miss", page
        assert ">42<" in after.text.replace(" ", ""), page  # A's new count, rendered again


def test_a_new_comment_shows_on_the_kept_paper_page(
    client: TestClient, engine: Engine, papers: dict[str, str]
) -> None:
    page = f"/papers/{papers['A']}"
    client.get(page)
    assert client.get(page).headers["x-app-cache"] == "hit"
    with unit_of_work(engine) as session:
        user = make_user(session)
        paper = session.scalars(select(Paper).where(Paper.key == papers["A"])).one()
        session.add(Comment(paper_id=paper.id, user_id=user.id, body="A fine lattice indeed"))
    assert "A fine lattice indeed" in client.get(page).text


def test_signed_in_readers_never_get_the_kept_page(
    client: TestClient, papers: dict[str, str]
) -> None:
    for page in _pages(papers):
        client.get(page)
        assert client.get(page).headers["x-app-cache"] == "hit"  # kept for anonymous readers
    sign_up(client, "reader")
    for page in _pages(papers):
        mine = client.get(page)
        assert mine.status_code == 200, page
        assert mine.headers["cache-control"].startswith("private"), page
        assert 'name="csrf_token"' in mine.text, page  # the viewer's own forms
        assert "reader" in mine.text, page


def test_a_page_past_the_end_is_not_kept(client: TestClient, papers: dict[str, str]) -> None:
    for _ in range(2):
        past = client.get(f"/papers/date/{DAY}?p=7")
        assert past.status_code == 404
        assert "etag" not in past.headers  # rendered for this request, not a kept answer
        assert not past.headers.get("cache-control", "").startswith("public")
