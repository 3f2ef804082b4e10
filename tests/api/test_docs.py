"""The OpenAPI description names our models; /docs renders in Chromium with no CDN."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from tests.api.conftest import LiveServer


def _schema(spec: dict[str, Any], path: str, method: str = "get", status: str = "200") -> str:
    content = spec["paths"][path][method]["responses"][status]["content"]
    return str(content["application/json"]["schema"])


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    daily = spec["paths"]["/api/daily_papers"]["get"]
    assert {p["name"] for p in daily["parameters"]} == {
        "date",
        "week",
        "month",
        "submitter",
        "sort",
        "p",
        "limit",
    }
    assert "PaperListItem" in _schema(spec, "/api/daily_papers")
    assert "PaperListItem" in _schema(spec, "/api/papers/search")
    assert "PaperOut" in _schema(spec, "/api/papers/{key}")
    assert "ErrorOut" in _schema(spec, "/api/daily_papers", status="400")
    assert "VoteOut" in _schema(spec, "/api/papers/{key}/upvote", "post")
    assert "CommentOut" in _schema(spec, "/api/papers/{key}/comments", "post", "201")
    item = spec["components"]["schemas"]["PaperListItem"]["properties"]
    assert {"paper", "title", "publishedAt", "summary", "numComments", "submittedBy"} <= set(item)
    assert {"ai_summary", "ai_keywords", "githubRepo", "githubStars", "projectPage"} <= set(item)
    stamp = str(spec["components"]["schemas"]["PaperOut"]["properties"]["publishedAt"])
    assert "date-time" in stamp
    assert "/papers/date/{day}/feed.{fmt}" in spec["paths"]
    assert "/papers/{key}.md" in spec["paths"]
    assert not any(path.startswith("/docs") for path in spec["paths"])


def test_docs_pages_use_local_assets(client: TestClient) -> None:
    for path, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        page = client.get(path)
        assert page.status_code == 200
        assert f"/docs/assets/{asset}" in page.text and "cdn." not in page.text
        assert "content-security-policy" not in page.headers  # inline bootstrap script
        script = client.get(f"/docs/assets/{asset}")
        assert script.status_code == 200 and len(script.content) > 100_000
    assert client.get("/docs/assets/secret.txt").status_code == 404
    assert client.get("/docs/assets/..%2F..%2Fdocs.py").status_code == 404
    # every other answer keeps the policy
    assert "content-security-policy" in client.get("/api/daily_papers").headers


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """One backend is enough to see the docs page render."""
    return str(request.param)


@pytest.mark.browser
def test_swagger_ui_renders_in_chromium(live_server: LiveServer, browser: Browser) -> None:
    errors: list[str] = []
    context = browser.new_context()
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    outside: list[str] = []
    page.on(
        "request",
        lambda req: None if req.url.startswith(live_server.url) else outside.append(req.url),
    )
    page.goto(f"{live_server.url}/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    operations = page.locator(".opblock").count()
    listed = page.get_by_text("/api/daily_papers", exact=True).count()
    context.close()
    assert operations >= 10 and listed >= 1
    assert errors == [] and outside == []
