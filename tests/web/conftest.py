"""An in-process client over the real app and a real database (both backends)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dailypapers.settings import Settings
from dailypapers.web.app import create_app


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app) as client:
        yield client
    app.state.deliveries.join()  # emails sent after a commit (sign-up, tokens) are done
    app.state.engine.dispose()
