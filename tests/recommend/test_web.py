"""The /for-you page (login required) and GET /api/for-you (token required), both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dailypapers.accounts.models import User
from dailypapers.accounts.sessions import create_api_token
from dailypapers.db.engine import unit_of_work
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from tests.factories import make_user
from tests.recommend import helpers
from tests.web.helpers import sign_up


@pytest.fixture
def client(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    # the crafted papers are dated around helpers.NOW; let the pages see that day as today
    monkeypatch.setattr("dailypapers.recommend.service.utcnow", lambda: helpers.NOW)
    app = create_app(settings)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def test_the_page_needs_a_login_then_shows_recommendations_with_reasons(
    client: TestClient, engine: Engine
) -> None:
    anonymous = client.get("/for-you", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    sign_up(client, "reader")
    page = client.get("/for-you")
    assert page.status_code == 200 and "at least 3" in page.text  # nothing liked yet
    with unit_of_work(engine) as session:
        user = session.scalar(select(User).where(User.username == "reader"))
        assert user is not None
        papers = helpers.corpus(session, user)
        papers["New speech paper"].title = "New speech <script>alert(1)</script> paper"
    page = client.get("/for-you")
    assert page.status_code == 200
    text = page.text
    assert 'href="/for-you"' in text  # the nav link
    assert "New vision paper" in text and "Because you liked" in text
    assert text.index("New vision paper") < text.index("New astronomy paper")
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
    assert "Old speech paper" in text  # named as the reason of the speech paper
    assert "Hidden vision paper" not in text and "Vision paper from last year" not in text


def test_the_api_needs_a_token_and_explains_an_empty_list(
    client: TestClient, engine: Engine
) -> None:
    assert client.get("/api/for-you").status_code == 401
    bad = client.get("/api/for-you", headers={"Authorization": "Bearer dp_unknown"})
    assert bad.status_code == 401
    with unit_of_work(engine) as session:
        user = make_user(session)
        token = create_api_token(session, user=user, name="tests")
        user_id = user.id
    headers = {"Authorization": f"Bearer {token}"}
    empty = client.get("/api/for-you", headers=headers).json()
    assert empty["items"] == [] and empty["profileSize"] == 0 and empty["minimumProfile"] == 3
    assert "at least 3" in empty["explanation"]
    with unit_of_work(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        helpers.corpus(session, user)
    body = client.get("/api/for-you", params={"limit": 2}, headers=headers).json()
    assert body["explanation"] is None and body["profileSize"] == 4 and body["windowDays"] == 14
    assert [i["title"] for i in body["items"]] == ["New vision paper", "New speech paper"]
    speech = body["items"][1]
    assert speech["why"] == "similar to Old speech paper"
    assert speech["similarTo"]["title"] == "Old speech paper"
    assert 0.9 < speech["similarTo"]["similarity"] <= 1.0
