"""Without an SMTP server, development mail goes to a local mailbox that an admin reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from dailypapers.accounts.sessions import start_session
from dailypapers.cli.main import app as cli
from dailypapers.db.engine import unit_of_work
from dailypapers.mail.delivery import transport_for
from dailypapers.mail.mailbox import MailboxTransport, mailbox_folder, read_mailbox
from dailypapers.settings import Settings, get_settings
from dailypapers.web.app import create_app
from dailypapers.web.security import SESSION_COOKIE
from tests.factories import make_user
from tests.web.helpers import post_form


@pytest.fixture
def no_smtp(settings: Settings) -> Settings:
    assert settings.smtp_url == ""  # the default: no mail server configured
    return settings


@pytest.fixture
def client(no_smtp: Settings) -> Iterator[TestClient]:
    app = create_app(no_smtp)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def test_without_smtp_the_confirmation_lands_in_the_mailbox(
    client: TestClient, no_smtp: Settings, engine: Engine
) -> None:
    sent = post_form(client, "/subscribe", {"email": "new@example.org", "frequency": "daily"})
    assert sent.status_code == 200
    assert "Queued: this site has no mail server configured" in sent.text
    assert "Check your inbox" not in sent.text  # it would not be true
    client.app.state.deliveries.join()  # type: ignore[attr-defined]
    (mail,) = read_mailbox(mailbox_folder(no_smtp.data_dir))
    assert mail.to == "new@example.org" and "/subscribe/confirm/" in mail.text
    assert mail.text.count("http://testserver/subscribe/confirm/") == 1
    with unit_of_work(engine) as session:
        admin, reader = make_user(session, role="admin"), make_user(session)
        admin_cookie, reader_cookie = (
            start_session(session, user=admin),
            start_session(session, user=reader),
        )
    assert client.get("/admin/mail", follow_redirects=False).status_code == 303  # log in first
    client.cookies.set(SESSION_COOKIE, reader_cookie)
    assert client.get("/admin/mail").status_code == 403
    client.cookies.set(SESSION_COOKIE, admin_cookie)
    page = client.get("/admin/mail")
    assert page.status_code == 200 and "new@example.org" in page.text
    assert mail.subject in page.text
    assert '<a href="http://testserver/subscribe/confirm/' in page.text  # clickable
    again = post_form(client, "/subscribe", {"email": "other@example.org", "frequency": "daily"})
    assert '<a href="/admin/mail">' in again.text  # an admin is told where to read it
    client.app.state.deliveries.join()  # type: ignore[attr-defined]
    assert len(read_mailbox(mailbox_folder(no_smtp.data_dir))) == 2


def test_mail_list_prints_the_mailbox(
    no_smtp: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    transport = MailboxTransport(mailbox_folder(tmp_path))
    message = (
        b"From: site <papers@localhost>\r\nTo: a@example.org\r\nSubject: Hello there\r\n"
        b"Date: Thu, 19 Feb 2026 10:00:00 +0000\r\n\r\nVisit http://127.0.0.1:8000/x\r\n"
    )
    transport.begin(sender="papers@localhost", recipient="a@example.org", data=message)
    transport.abort()  # dropped mid-message: nothing is delivered
    assert read_mailbox(mailbox_folder(tmp_path)) == []
    transport.begin(sender="papers@localhost", recipient="a@example.org", data=message)
    transport.finish()
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", no_smtp.database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["mail", "list", "--json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.stdout)
    assert (item["to"], item["subject"], item["date"]) == (
        "a@example.org",
        "Hello there",
        "2026-02-19T10:00:00+00:00",
    )
    assert "http://127.0.0.1:8000/x" in item["text"]


def test_with_smtp_or_in_production_there_is_no_mailbox(settings: Settings) -> None:
    smtp = settings.model_copy(update={"smtp_url": "smtp://127.0.0.1:2525"})
    assert not smtp.uses_mailbox and not isinstance(transport_for(smtp), MailboxTransport)
    production = settings.model_copy(update={"env": "production"})
    with pytest.raises(ValueError, match="DAILYPAPERS_SMTP_URL is not set"):
        transport_for(production)
