"""The app over a real database (both backends), an API token, and a live server (SQLite)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.accounts.sessions import create_api_token
from dailypapers.db.engine import unit_of_work
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from tests.factories import make_user


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No embedding model in the API tests: the app is built with `embedder="none"`, so
    hybrid search falls back to keywords (the search feature's own tests cover semantic)."""
    return settings.model_copy(update={"embedder": "none"})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


@dataclass(frozen=True)
class TokenUser:
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def token_user(engine: Engine) -> TokenUser:
    with unit_of_work(engine) as session:
        user = make_user(session)
        return TokenUser(user.username, create_api_token(session, user=user, name="tests"))


@dataclass(frozen=True)
class LiveServer:
    url: str
    settings: Settings


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """uvicorn serving the real app on a free loopback port, in a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = settings.model_copy(update={"base_url": f"http://127.0.0.1:{port}"})
    app = create_app(settings)
    config = uvicorn.Config(app, log_level="warning", ws="none", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    yield LiveServer(f"http://127.0.0.1:{port}", settings)
    server.should_exit = True
    thread.join(10)
    sock.close()
    app.state.engine.dispose()
