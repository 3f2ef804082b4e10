"""Anonymous API reads and feeds are public for shared caches; signed-in answers are private."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.web.security import CSRF_COOKIE
from tests.factories import make_paper
from tests.web.helpers import sign_up

PUBLIC = "public, max-age=30, stale-while-revalidate=60"
SHARED = ["/api/daily_papers?date=2026-02-19", "/papers/date/2026-02-19/feed.rss"]


@pytest.fixture(autouse=True)
def listed(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        make_paper(session, title="Cached for everyone", listed_on=date(2026, 2, 19))


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


def test_html_pages_are_never_public(client: TestClient) -> None:
    page = client.get("/papers/date/2026-02-19")
    assert page.status_code == 200
    assert not page.headers.get("cache-control", "").startswith("public")
    assert CSRF_COOKIE in page.cookies  # its forms carry this visitor's token
