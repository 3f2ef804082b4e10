"""What a route depends on comes from the app `create_app(settings)` built, never from the
process: its response cache and that cache's clock, its email deliveries, its viewer."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.kept_answers import ResponseCache
from tests.web.helpers import sign_up


def test_each_app_has_its_own_cache_and_deliveries(settings: Settings) -> None:
    first, second = create_app(settings), create_app(settings)
    try:
        assert first.state.response_cache is not second.state.response_cache
        assert first.state.deliveries is not second.state.deliveries
        assert first.state.deliveries.settings is settings
    finally:
        first.state.engine.dispose()
        second.state.engine.dispose()


def test_trending_ages_by_the_app_cache_clock(client: TestClient) -> None:
    store: ResponseCache = client.app.state.response_cache  # type: ignore[attr-defined]
    store.clock = lambda: 0.0
    first = client.get("/papers/trending/feed.atom")
    again = client.get(
        "/papers/trending/feed.atom", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    store.clock = lambda: 3600.0  # an hour later, by this app's clock alone
    later = client.get(
        "/papers/trending/feed.atom", headers={"If-None-Match": first.headers["etag"]}
    )
    assert later.status_code == 200 and later.headers["etag"] != first.headers["etag"]


def test_pages_and_error_pages_show_the_viewer(client: TestClient) -> None:
    sign_up(client, "ada")
    me = '<a href="/users/ada" class="me">ada</a>'
    assert me in client.get("/papers").text  # a page that takes the viewer (PageDep)
    missing = client.get("/papers/2699.00001")  # the error page: looked up for it
    assert missing.status_code == 404 and me in missing.text
    bad = client.get("/papers/date/2026-02-30")
    assert bad.status_code == 400 and me in bad.text
