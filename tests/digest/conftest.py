"""A real SMTP server per test, and settings that send to it with short retry delays."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dailypapers.settings import Settings
from tests.digest.smtp_sink import CountingHandler, SmtpSink


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink(CountingHandler()) as sink:
        yield sink


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpSink) -> Settings:
    return settings.model_copy(
        update={"smtp_url": smtp.url, "smtp_retry_seconds": 0.05, "smtp_timeout_seconds": 10}
    )
