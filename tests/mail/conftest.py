"""A real SMTP server per test, settings that send to it (as in tests/digest), and the app."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from tests.digest.conftest import mail_settings, smtp

__all__ = ["client", "mail_settings", "smtp"]


@pytest.fixture
def client(mail_settings: Settings) -> Iterator[TestClient]:
    app = create_app(mail_settings)
    with TestClient(app) as client:
        yield client
    app.state.deliveries.join()  # the emails' sending threads end before the mail server does
    app.state.engine.dispose()
