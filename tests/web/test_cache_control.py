"""Anonymous API reads, feeds and pages are public for shared caches; signed-in answers and
pages with a form that carries a token are private."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.web.security import CSRF_COOKIE
from tests.factories import make_paper
from tests.web.helpers import sign_up

PUBLIC = "public, max-age=60, stale-while-revalidate=120"
SHARED = ["/api/daily_papers?date=2026-02-19", "/papers/date/2026-02-19/feed.rss"]


@pytest.fixture(autouse=True)
def listed(engine: Engine) -> str:
    with unit_of_work(engine) as session:
        return make_paper(session, title="Cached for everyone", listed_on=date(2026, 2, 19)).key


@pytest.mark.parametrize("path", SHARED)
def test_anonymous_shared_answers_are_public_and_set_no_cookie(
    client: TestClient, path: str
) -> None:
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["cache-control"] == PUBLIC
    assert first.headers["etag"]
    assert "set-cookie" not in first.headers  # a proxy may keep it for everyone
    again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == PUBLIC


@pytest.mark.parametrize("path", SHARED)
def test_signed_in_and_token_requests_stay_private(client: TestClient, path: str) -> None:
    with_token = client.get(path, headers={"Authorization": "Bearer dp_whatever"})
    assert with_token.headers["cache-control"].startswith("private")
    sign_up(client, "reader")
    signed_in = client.get(path)
    assert signed_in.status_code == 200
    assert signed_in.headers["cache-control"].startswith("private")


ANONYMOUS_PAGES = ["/", "/papers/date/2026-02-19", "/papers/trending", "/search?q=cached"]


@pytest.mark.parametrize("path", [*ANONYMOUS_PAGES, "paper"])
def test_anonymous_pages_carry_no_token_and_are_public(
    client: TestClient, listed: str, path: str
) -> None:
    page = client.get(f"/papers/{listed}" if path == "paper" else path)
    assert page.status_code == 200
    assert "csrf_token" not in page.text  # nothing in it is this visitor's
    assert "set-cookie" not in page.headers
    assert page.headers["cache-control"] == PUBLIC  # so nginx serves the next readers
    assert "Cookie" in page.headers["vary"]  # a browser refetches once signed in


def test_the_anonymous_upvote_button_logs_in_first(client: TestClient, listed: str) -> None:
    page = client.get("/papers/date/2026-02-19").text
    assert "Cached for everyone" in page
    anonymous = r'<form class="vote-login" action="/login" method="get">.*?</form>'
    form = re.search(anonymous, page, re.S)
    assert form is not None and 'class="upvote"' in form[0]
    assert f'name="vote" value="{listed}"' in form[0]
    assert f'name="next" value="/papers/date/2026-02-19#paper-{listed}"' in form[0]
    login = client.get("/login", params={"next": f"/papers/{listed}", "vote": listed})
    assert login.status_code == 200 and "Log in to upvote" in login.text


def test_the_subscribe_call_sends_anonymous_readers_on_to_confirm(client: TestClient) -> None:
    page = client.get("/").text
    assert '<form class="subscribe" action="/subscribe" method="get">' in page
    confirm = client.get("/subscribe", params={"email": "ada@example.org", "frequency": "weekly"})
    assert 'value="ada@example.org"' in confirm.text
    assert '<option value="weekly" selected>' in confirm.text
    assert 'name="csrf_token"' in confirm.text  # the POST that subscribes is protected
    assert confirm.headers["cache-control"].startswith("private")
    assert CSRF_COOKIE in confirm.cookies


def test_pages_with_a_token_or_a_viewer_are_never_public(client: TestClient) -> None:
    login = client.get("/login")
    assert login.headers["cache-control"].startswith("private")
    assert CSRF_COOKIE in login.cookies  # its form carries this visitor's token
    sign_up(client, "reader")
    page = client.get("/papers/date/2026-02-19")
    assert page.status_code == 200
    assert page.headers["cache-control"].startswith("private")
    assert '<form class="vote" action="/papers/' in page.text and "csrf_token" in page.text
