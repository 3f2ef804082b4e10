"""A refused web submission stores nothing; a hidden paper takes no vote, comment or
collection add through any route (one lookup, `papers/lookup.py`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from dailypapers.accounts.models import User
from dailypapers.accounts.sessions import create_api_token, start_session
from dailypapers.community.collections import create_collection
from dailypapers.community.models import CollectionItem, Comment, Upvote
from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.records import PaperRecord
from dailypapers.papers.admin import set_hidden
from dailypapers.papers.models import Paper
from dailypapers.web.security import SESSION_COOKIE
from tests.factories import make_paper, make_user
from tests.web.helpers import post_form


def _sign_in(client: TestClient, engine: Engine, role: str = "user") -> int:
    with unit_of_work(engine) as session:
        user = make_user(session, role=role)
        client.cookies.set(SESSION_COOKIE, start_session(session, user=user))
        return user.id


def _count(engine: Engine, model: type, *where: object) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def test_a_refused_web_submission_stores_no_paper(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = datetime.now(UTC) - timedelta(days=40)

    def fetcher(settings: object):  # type: ignore[no-untyped-def]
        return lambda arxiv_id: PaperRecord(
            title="An old paper", arxiv_id=arxiv_id, published_at=old
        )

    monkeypatch.setattr("dailypapers.web.paper.submit.arxiv_fetcher", fetcher)
    _sign_in(client, engine)
    refused = post_form(client, "/submit", {"arxiv": "2401.00077"})
    assert refused.status_code == 400 and "only papers from the last" in refused.text
    assert _count(engine, Paper, Paper.arxiv_id == "2401.00077") == 0
    assert client.get("/api/papers/2401.00077").status_code == 404


@pytest.fixture
def hidden_key(engine: Engine) -> str:
    with unit_of_work(engine) as session:
        admin = make_user(session, role="admin")
        paper = make_paper(session, title="A paper taken down", listed_on=date(2026, 2, 19))
        set_hidden(session, admin=admin, key=paper.key, hidden=True)
        return paper.key


def test_hidden_papers_take_no_votes_or_comments_from_forms(
    client: TestClient, engine: Engine, hidden_key: str
) -> None:
    user_id = _sign_in(client, engine)
    with unit_of_work(engine) as session:
        owner = session.get(User, user_id)
        assert owner is not None
        collection_id = create_collection(session, user=owner, name="Mine", is_public=True).id
    vote = post_form(client, f"/papers/{hidden_key}/upvote")
    comment = post_form(client, f"/papers/{hidden_key}/comments", {"body": "still here?"})
    add = post_form(client, "/collections/add", {"collection": collection_id, "paper": hidden_key})
    assert [vote.status_code, comment.status_code, add.status_code] == [404, 404, 404]
    assert _count(engine, Upvote) == 0
    assert _count(engine, Comment) == 0
    assert _count(engine, CollectionItem) == 0
    assert client.get(f"/papers/{hidden_key}").status_code == 404


def test_hidden_papers_are_gone_from_the_api_too(
    client: TestClient, engine: Engine, hidden_key: str
) -> None:
    with unit_of_work(engine) as session:
        token = create_api_token(session, user=make_user(session), name="t")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/papers/{hidden_key}").status_code == 404
    assert client.get(f"/papers/{hidden_key}.md").status_code == 404
    assert client.post(f"/api/papers/{hidden_key}/upvote", headers=auth).status_code == 404
    posted = client.post(f"/api/papers/{hidden_key}/comments", json={"body": "x"}, headers=auth)
    assert posted.status_code == 404
    assert _count(engine, Upvote) == 0 and _count(engine, Comment) == 0
