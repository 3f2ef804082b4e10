"""Password reset by email: a real SMTP server receives the link; it works once, then expires."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import Engine, select

from dailypapers.mail.models import OutboxMessage
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from tests.digest.smtp_sink import CountingHandler, SmtpSink
from tests.web.helpers import post_form, sign_up

OLD, NEW = "the first password", "a brand new password"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink(CountingHandler()) as sink:
        yield sink


@pytest.fixture
def mail_client(settings: Settings, smtp: SmtpSink) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"smtp_url": smtp.url}))
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def _reset_link(smtp: SmtpSink, address: str, count: int) -> str:
    smtp.handler.wait_for(count + 1)  # the sign-up's verification email, then the resets
    subject = "Reset your dailypapers password"  # sent after the commit, on another thread
    message = [m for m in smtp.handler.parsed(address) if m["Subject"] == subject][-1]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    (link,) = re.findall(r"http://testserver/password/reset/[\w.-]+", text)
    assert f'href="{link}"' in html
    return link.removeprefix("http://testserver")


def test_reset_link_arrives_works_once_and_ends_sessions(
    mail_client: TestClient, smtp: SmtpSink, engine: Engine
) -> None:
    sign_up(mail_client, "ada", password=OLD)  # still logged in: that session must end
    asked = post_form(mail_client, "/password/forgot", {"email": "ADA@example.org"})
    assert asked.status_code == 200 and "we sent it a link" in asked.text
    path = _reset_link(smtp, "ada@example.org", 1)
    unknown = post_form(mail_client, "/password/forgot", {"email": "nobody@example.org"})
    assert unknown.text.replace("nobody@", "ada@") == asked.text.replace("ADA@", "ada@")
    with engine.connect() as conn:  # nothing queued for an address without an account
        resets = select(OutboxMessage.to_addr).where(OutboxMessage.kind == "password_reset")
        assert conn.scalars(resets).all() == ["ada@example.org"]

    assert mail_client.get(path).status_code == 200
    short = post_form(mail_client, path, {"password": "short"})
    assert short.status_code == 400 and "at least 8 characters" in short.text
    done = post_form(mail_client, path, {"password": NEW})
    assert done.status_code == 200 and "Password changed" in done.text
    assert mail_client.get("/settings", follow_redirects=False).status_code == 303  # logged out
    again = post_form(mail_client, path, {"password": "yet another password"})
    assert again.status_code == 400 and "already used" in again.text
    assert post_form(mail_client, "/login", {"login": "ada", "password": OLD}).status_code == 401
    assert post_form(mail_client, "/login", {"login": "ada", "password": NEW}).status_code == 303


def test_reset_link_expires_and_forgeries_fail(
    mail_client: TestClient, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_up(mail_client, "bob", password=OLD)
    post_form(mail_client, "/logout")
    post_form(mail_client, "/password/forgot", {"email": "bob@example.org"})
    path = _reset_link(smtp, "bob@example.org", 1)
    forged = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert "invalid" in post_form(mail_client, forged, {"password": NEW}).text
    later = int(time.time()) + 61 * 60  # the default lifetime is 60 minutes
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    expired = post_form(mail_client, path, {"password": NEW})
    assert expired.status_code == 400 and "has expired" in expired.text
    assert mail_client.get(path).status_code == 400
    monkeypatch.undo()
    assert post_form(mail_client, "/login", {"login": "bob", "password": OLD}).status_code == 303
