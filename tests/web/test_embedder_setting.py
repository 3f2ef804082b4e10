"""The app's settings choose the embedder, not the process environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.search.embedder import Embedder
from dailypapers.settings import Settings, get_settings
from dailypapers.web.app import create_app
from tests.factories import make_paper


def test_an_app_built_without_an_embedder_never_loads_a_model(
    settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_model(kind: str, cache_dir: Path) -> Embedder:
        raise AssertionError(f"the {kind} model was loaded")

    # The environment names a model; the app was built with `embedder="none"`.
    monkeypatch.setenv("DAILYPAPERS_EMBEDDER", "onnx-int8")
    get_settings.cache_clear()
    monkeypatch.setattr("dailypapers.search.embedder._load", no_model)
    monkeypatch.setattr("dailypapers.search.embedder._loaded", {})
    with unit_of_work(engine) as session:
        make_paper(session, title="Attention for keyword readers")
    app = create_app(settings.model_copy(update={"embedder": "none"}))
    try:
        with TestClient(app) as client:
            api = client.get("/api/papers/search", params={"q": "attention"})
            page = client.get("/search", params={"q": "attention"})
            feed = client.get("/search/feed.atom", params={"q": "attention"})
    finally:
        app.state.engine.dispose()
        get_settings.cache_clear()
    assert api.status_code == 200 and api.headers["X-Search-Mode"] == "keyword"
    assert [item["title"] for item in api.json()] == ["Attention for keyword readers"]
    assert page.status_code == 200 and "for keyword readers" in page.text  # "attention" marked
    assert feed.status_code == 200 and "Attention for keyword readers" in feed.text
