"""Private answers stay out of shared caches; https gets HSTS and `__Host-` cookies; `serve`
bounds idle connections and concurrency."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from dailypapers.accounts.sessions import start_session
from dailypapers.community.collections import create_collection
from dailypapers.db.engine import unit_of_work
from dailypapers.settings import Settings, get_settings
from dailypapers.web.app import create_app
from dailypapers.web.security import CSRF_COOKIE, SESSION_COOKIE
from tests.factories import make_user
from tests.web.helpers import csrf

DEPLOY_DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
PRIVATE = "private, no-store"


def _signed_in(client: TestClient, engine: Engine, name: str = SESSION_COOKIE) -> str:
    with unit_of_work(engine) as session:
        user = make_user(session)
        client.cookies.set(name, start_session(session, user=user))
        return user.username


@pytest.mark.usefixtures("papers")
def test_pages_of_a_signed_in_viewer_are_private(client: TestClient, engine: Engine) -> None:
    anonymous = client.get("/papers")
    assert PRIVATE not in anonymous.headers.get("cache-control", "")
    assert "Cookie" in anonymous.headers["vary"]
    _signed_in(client, engine)
    for url in ("/papers", "/search?q=attention", "/api/daily_papers", "/papers/feed.rss"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == PRIVATE, url


@pytest.mark.parametrize(
    "url",
    ["/settings", "/password/forgot", "/password/reset/x", "/subscribe", "/unsubscribe/x",
     "/subscriptions/x", "/login", "/signup"],
)  # fmt: skip
def test_account_pages_are_private_even_anonymous(client: TestClient, url: str) -> None:
    response = client.get(url, follow_redirects=False)
    assert response.headers["cache-control"] == PRIVATE, (url, response.status_code)


def test_a_private_collection_is_private_to_caches(client: TestClient, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        owner = make_user(session)
        shown = create_collection(session, user=owner, name="Public reading", is_public=True)
        hidden = create_collection(session, user=owner, name="Secret reading", is_public=False)
        client.cookies.set(SESSION_COOKIE, start_session(session, user=owner))
        public_url = f"/users/{owner.username}/collections/{shown.slug}"
        private_url = f"/users/{owner.username}/collections/{hidden.slug}"
    for suffix in ("", ".json"):
        assert client.get(private_url + suffix).headers["cache-control"] == PRIVATE
    client.cookies.clear()  # anonymous: the public one may be cached, the private one is 404
    assert PRIVATE not in client.get(public_url + ".json").headers.get("cache-control", "")
    assert client.get(private_url + ".json").status_code == 404


@pytest.fixture
def https_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"base_url": "https://papers.example.org"}))
    with TestClient(app, base_url="https://testserver") as client:
        yield client
    app.state.engine.dispose()


def test_https_sites_send_hsts_and_host_prefixed_cookies(
    https_client: TestClient, client: TestClient, engine: Engine
) -> None:
    first = https_client.get("/login")
    assert first.headers["strict-transport-security"].startswith("max-age=")
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"__Host-{CSRF_COOKIE}=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    username = _signed_in(https_client, engine, name=f"__Host-{SESSION_COOKIE}")
    assert username in https_client.get("/settings").text  # the prefixed cookie signs in
    plain = client.get("/login")
    assert "strict-transport-security" not in plain.headers
    assert plain.headers["set-cookie"].startswith(f"{CSRF_COOKIE}=")


def test_logout_clears_the_host_prefixed_cookie(https_client: TestClient, engine: Engine) -> None:
    _signed_in(https_client, engine, name=f"__Host-{SESSION_COOKIE}")
    token = csrf(https_client)
    response = https_client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    cleared = [h for h in response.headers.get_list("set-cookie") if "dp_session" in h]
    assert cleared and cleared[0].startswith(f"__Host-{SESSION_COOKIE}=")
    assert "Secure" in cleared[0]  # a browser ignores a __Host- cookie without it


def test_serve_bounds_idle_connections_and_concurrency(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from dailypapers.cli.main import app

    seen: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: seen.update(kwargs))
    # no model build or job threads in the test process (serve starts them with one process)
    monkeypatch.setattr("dailypapers.cli.main._start_background", lambda *a, **k: None)
    monkeypatch.setenv("DAILYPAPERS_SERVED_URL", "")  # serve sets it; removed after the test
    monkeypatch.setenv("DAILYPAPERS_ENV", "test")
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["serve", "--port", "9"])
    assert result.exit_code == 0, result.output
    assert 1 <= seen["timeout_keep_alive"] <= 30
    assert 10 <= seen["limit_concurrency"] <= 1000
    CliRunner().invoke(app, ["serve", "--limit-concurrency", "50", "--timeout-keep-alive", "3"])
    assert (seen["limit_concurrency"], seen["timeout_keep_alive"]) == (50, 3)
    text = DEPLOY_DOC.read_text()
    assert "client_header_timeout" in text and "client_body_timeout" in text
    get_settings.cache_clear()
