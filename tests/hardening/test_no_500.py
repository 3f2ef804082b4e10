"""No input makes a 500: ids beyond what a table holds, the ends of the calendar, and a
bug's own 500 page (logged, with the security headers); plain error texts (both backends)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dailypapers.accounts.models import ApiToken
from dailypapers.accounts.sessions import api_token_user, create_api_token, start_session
from dailypapers.community.comments import add_comment
from dailypapers.community.models import Comment
from dailypapers.db.engine import unit_of_work
from dailypapers.papers.lookup import find_paper
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.security import SESSION_COOKIE
from tests.factories import make_user
from tests.web.helpers import post_form

HUGE = [2**31, 2**63, 2**64, 10**30]


def _sign_in(client: TestClient, engine: Engine, role: str = "user") -> int:
    with unit_of_work(engine) as session:
        user = make_user(session, role=role)
        client.cookies.set(SESSION_COOKIE, start_session(session, user=user))
        return user.id


@pytest.mark.usefixtures("papers")
def test_ids_too_big_for_any_table_are_refused_not_500(client: TestClient, engine: Engine) -> None:
    _sign_in(client, engine, role="admin")
    for n in HUGE:
        for url, data in [
            (f"/comments/{n}/edit", {"body": "x"}),
            (f"/comments/{n}/delete", {}),
            (f"/comments/{n}/hide", {}),
            (f"/settings/tokens/{n}/revoke", {}),
            (f"/collections/{n}/delete", {}),
            (f"/collections/{n}/visibility", {"public": "1"}),
            (f"/collections/{n}/items/remove", {"paper": "2601.00001"}),
            ("/collections/add", {"collection": str(n), "paper": "2601.00001"}),
        ]:
            answer = post_form(client, url, data)
            assert answer.status_code == 422, (url, answer.status_code, answer.text[:200])
    largest = post_form(client, f"/comments/{2**31 - 1}/delete", {"confirmed": "1"})  # not there
    assert largest.status_code == 404


@pytest.mark.usefixtures("papers")
def test_the_ends_of_the_calendar_are_answered(client: TestClient) -> None:
    for url in [
        "/search?q=attention&to=9999-12-31",
        "/search?q=attention&from=0001-01-01&to=9999-12-31",
        "/search/feed.rss?q=attention",
        "/api/daily_papers?date=9999-12-31",
        "/api/daily_papers?week=9999-W52",
        "/api/daily_papers?week=0001-W01",
        "/api/daily_papers?month=9999-12",
        "/api/daily_papers?month=0001-01",
        "/papers/week/9999-W52",
        "/papers/month/9999-12",
        "/papers/date/0001-01-01",
        "/papers/week/9999-W52/feed.atom",
        "/papers/month/0001-01/feed.rss",
    ]:
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:200])
    assert "all you need" in client.get("/search?q=attention&to=9999-12-31").text


def test_a_bug_gives_a_logged_500_page_with_security_headers(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app: FastAPI = create_app(settings)

    @app.get("/boom")
    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("a bug in a route")

    with TestClient(app, raise_server_exceptions=True) as client:
        page, api = client.get("/boom"), client.get("/api/boom")
    app.state.engine.dispose()
    assert page.status_code == 500 and "Something went wrong" in page.text
    assert "a bug in a route" not in page.text  # the details are in the log only
    assert api.status_code == 500 and api.json()["error"].startswith("Something went wrong")
    for answer in (page, api):
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert "RuntimeError: a bug in a route" in caplog.text  # with its traceback


def test_revoking_a_token_that_is_not_yours_is_404(client: TestClient, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        owner = make_user(session)
        token = create_api_token(session, user=owner, name="owner's")
        token_id = session.scalars(select(ApiToken.id).where(ApiToken.user_id == owner.id)).one()
    _sign_in(client, engine)
    answer = post_form(client, f"/settings/tokens/{token_id}/revoke")
    assert answer.status_code == 404
    with unit_of_work(engine) as session:
        assert api_token_user(session, token=token) is not None  # still works


@pytest.mark.usefixtures("papers")
def test_admins_hide_comments_but_cannot_rewrite_them(
    client: TestClient, engine: Engine, papers: list[str]
) -> None:
    with unit_of_work(engine) as session:
        author = make_user(session)
        paper = find_paper(session, key=papers[0])
        assert paper is not None
        comment_id = add_comment(session, user=author, paper=paper, body="my own words").id
    _sign_in(client, engine, role="admin")
    rewrite = post_form(client, f"/comments/{comment_id}/edit", {"body": "words put in"})
    assert rewrite.status_code in (400, 403, 404)
    hide = post_form(client, f"/comments/{comment_id}/hide", {"hidden": "1"})
    assert hide.status_code == 303
    with unit_of_work(engine) as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None and comment.body == "my own words" and comment.hidden


def test_submit_page_says_plainly_that_arxiv_is_unreachable(
    settings: Settings, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    offline = settings.model_copy(update={"arxiv_api_url": "http://127.0.0.1:9/api/query"})
    app = create_app(offline)
    with TestClient(app) as client:
        _sign_in(client, engine)
        answer = post_form(client, "/submit", {"arxiv": "2602.00077"})
    app.state.engine.dispose()
    assert answer.status_code == 503
    assert "arXiv is unreachable right now" in answer.text
    assert "127.0.0.1:9" not in answer.text and "Connect" not in answer.text
    assert "arXiv lookup of 2602.00077 failed" in caplog.text  # the details are logged
