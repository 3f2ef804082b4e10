"""The real app over a real database (both backends), some papers, and an API token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.accounts.sessions import create_api_token
from dailypapers.db.engine import unit_of_work
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from tests.factories import make_paper, make_user

DAY = date(2026, 2, 19)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No embedding model in the hardening tests: the app is built with `embedder="none"`, so
    hybrid search falls back to keywords (the search feature's own tests cover semantic)."""
    return settings.model_copy(update={"embedder": "none"})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.deliveries.join()  # emails sent after a commit (sign-up, tokens) are done
    app.state.engine.dispose()


@pytest.fixture
def papers(engine: Engine) -> list[str]:
    with unit_of_work(engine) as session:
        made = [
            make_paper(session, title="Attention is all you need", listed_on=DAY),
            make_paper(session, title="Graph neural networks near the edge", listed_on=DAY),
        ]
        return [paper.key for paper in made]


@dataclass(frozen=True)
class TokenUser:
    id: int
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def token_user(engine: Engine) -> TokenUser:
    with unit_of_work(engine) as session:
        user = make_user(session)
        return TokenUser(user.id, user.username, create_api_token(session, user=user, name="t"))
