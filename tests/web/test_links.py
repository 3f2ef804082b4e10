"""Links follow the address the site is served on unless DAILYPAPERS_BASE_URL says otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.digest.links import confirm_url
from dailypapers.digest.subscriptions import subscribe
from dailypapers.mail.outbox import site_url
from dailypapers.settings import InsecureSettingsError, Settings
from dailypapers.web.app import create_app
from tests.factories import make_paper

SERVED_AT = "http://papers.local:8123"


def _client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, base_url=SERVED_AT) as client:
        yield client
    app.state.engine.dispose()


@pytest.fixture
def unset(settings: Settings) -> Iterator[TestClient]:
    yield from _client(settings.model_copy(update={"base_url": ""}))


@pytest.fixture
def configured(settings: Settings) -> Iterator[TestClient]:
    yield from _client(settings.model_copy(update={"base_url": "https://papers.example.org/"}))


def _paper(engine: Engine) -> str:
    with unit_of_work(engine) as session:
        return make_paper(session, title="Where links go", listed_on=date(2026, 2, 19)).key


def test_without_a_base_url_absolute_links_use_the_request_host(
    unset: TestClient, engine: Engine
) -> None:
    key = _paper(engine)
    item = unset.get("/api/daily_papers").json()[0]
    assert item["paper"]["url"] == f"{SERVED_AT}/papers/{key}"
    assert f"{SERVED_AT}/papers/{key}" in unset.get("/papers/feed.rss").text
    assert f"{SERVED_AT}/papers/{key}" in unset.get(f"/papers/{key}.md").text
    other = unset.get("/api/daily_papers", headers={"host": "other.local:9000"}).json()[0]
    assert other["paper"]["url"] == f"http://other.local:9000/papers/{key}"  # not a cached copy


def test_a_configured_base_url_wins(configured: TestClient, engine: Engine) -> None:
    key = _paper(engine)
    item = configured.get("/api/daily_papers").json()[0]
    assert item["paper"]["url"] == f"https://papers.example.org/papers/{key}"
    assert f"https://papers.example.org/papers/{key}" in configured.get("/papers/feed.rss").text


def test_mails_use_the_served_address_when_no_base_url(settings: Settings, engine: Engine) -> None:
    served = settings.model_copy(update={"base_url": "", "served_url": "http://127.0.0.1:8765"})
    assert site_url(served) == "http://127.0.0.1:8765"
    assert site_url(served.model_copy(update={"served_url": ""})) == "http://127.0.0.1:8000"
    assert site_url(settings) == "http://testserver"  # BASE_URL set: it wins
    with unit_of_work(engine) as session:
        result = subscribe(session, served, email="a@example.org", now=utcnow())
        assert confirm_url(served, result.subscription).startswith(
            "http://127.0.0.1:8765/subscribe/confirm/"
        )


def test_production_refuses_an_unset_base_url(tmp_path: Path) -> None:
    secret = "s" * 48
    with pytest.raises(InsecureSettingsError, match="BASE_URL"):
        Settings(env="production", data_dir=tmp_path, secret_key=secret)
    ok = Settings(env="production", data_dir=tmp_path, secret_key=secret, base_url="https://x.org")
    assert ok.mail_base_url == "https://x.org"
