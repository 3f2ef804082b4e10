"""Routes never overlap: each URL has one route, so the order routers are included in
does not matter (a paper's page never takes /papers/trending, a feed or a `.md`)."""

from __future__ import annotations

import pytest
from starlette.routing import BaseRoute, Match

from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.contract import app_routes

# (GET path, the path of the one route that answers it)
PATHS = [
    ("/papers/2602.12345", "/papers/{key:paper}"),
    ("/papers/dp-0123456789ab", "/papers/{key:paper}"),
    ("/papers/trending", "/papers/trending"),
    ("/papers/feed.rss", "/papers/feed.{fmt}"),
    ("/papers/feed.atom", "/papers/feed.{fmt}"),
    ("/papers/2602.12345.md", "/papers/{key:paper_key}.md"),
    ("/papers/hep-th/9901001", "/papers/{key:paper}"),
    ("/papers/math.GT/0309136v2", "/papers/{key:paper}"),
    ("/papers/hep-th/9901001.md", "/papers/{key:paper_key}.md"),
    ("/papers/trending/feed.atom", "/papers/trending/feed.{fmt}"),
    ("/papers/date/2026-02-19", "/papers/date/{label}"),
    ("/papers/date/2026-02-19/feed.rss", "/papers/date/{day}/feed.{fmt}"),
    ("/api/papers/search", "/api/papers/search"),
    ("/api/papers/2602.12345", "/api/papers/{key:api_paper}"),
    ("/api/papers/2602.12345/comments", "/api/papers/{key:paper_key}/comments"),
    ("/api/papers/hep-th/9901001", "/api/papers/{key:api_paper}"),
    ("/api/papers/hep-th/9901001/comments", "/api/papers/{key:paper_key}/comments"),
    ("/orgs/deep/mind", "/orgs/{name:not_feed}"),
    ("/orgs/deep/mind/feed.rss", "/orgs/{name:path}/feed.{fmt}"),
    ("/authors/Ada Lovelace", "/authors/{name:not_feed}"),
    ("/authors/Ada Lovelace/feed.atom", "/authors/{name:path}/feed.{fmt}"),
    ("/users/ada", "/users/{username}"),
    ("/users/ada/collections/reading", "/users/{username}/collections/{slug:slug}"),
    ("/users/ada/collections/reading.json", "/users/{username}/collections/{slug}.json"),
    ("/users/ada/collections/reading/feed.rss", "/users/{username}/collections/{slug}/feed.{fmt}"),
    ("/search", "/search"),
    ("/search/feed.rss", "/search/feed.{fmt}"),
    ("/thumbnails/" + "ab" * 16 + ".webp", "/thumbnails/{key}.webp"),
]


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> list[BaseRoute]:
    folder = tmp_path_factory.mktemp("routes")
    settings = Settings(
        env="test",
        data_dir=folder,
        database_url=f"sqlite:///{folder}/routes.db",
        secret_key="test-secret-key-not-for-production",
    )
    app = create_app(settings)
    app.state.engine.dispose()
    return list(app_routes(app.router.routes))


@pytest.mark.parametrize(("path", "route"), PATHS, ids=[path for path, _ in PATHS])
def test_each_path_has_one_route(routes: list[BaseRoute], path: str, route: str) -> None:
    """One full match: whichever order the routes come in, this route answers."""
    scope = {"type": "http", "method": "GET", "path": path}
    matched = [getattr(r, "path", r) for r in routes if r.matches(scope)[0] == Match.FULL]
    assert matched == [route]
