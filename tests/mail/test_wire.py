"""The wire form of a message, read back by the `email` package. No database."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default

import pytest

from dailypapers.mail.wire import wire_message
from dailypapers.settings import Settings

WHEN = datetime(2026, 2, 20, 6, 30, tzinfo=UTC)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.fixture
def config() -> Settings:
    return Settings(
        env="test", secret_key="k" * 32, database_url="sqlite://",
        mail_from="Café des papiers <papers@example.org>",
    )  # fmt: skip


def test_both_parts_survive_the_round_trip(config: Settings) -> None:
    text = "Ünïcode title\n.a line with a leading dot\n" + "long " * 40 + "\ntrailing space \n"
    html = "<p>Ünïcode <b>title</b></p>\r\n" + "<span>x</span>" * 30
    raw = wire_message(
        config, to_addr="ada@example.org", subject="Papers für dich: 3 papers",
        message_id="<m.1@example.org>", body_text=text, body_html=html,
        headers={"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}, date=WHEN,
    )  # fmt: skip
    assert raw.isascii() and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    message = parse(raw)
    assert message["Subject"] == "Papers für dich: 3 papers"
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Café des papiers", "papers@example.org")
    assert message["Date"].datetime == WHEN and message["Message-ID"] == "<m.1@example.org>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    plain, rich = message.iter_parts()
    assert plain.get_content().replace("\r\n", "\n") == text
    assert rich.get_content().replace("\r\n", "\n") == html.replace("\r\n", "\n")
    assert [p["Content-Transfer-Encoding"] for p in (plain, rich)] == ["quoted-printable"] * 2


def test_a_text_only_message_and_header_injection(config: Settings) -> None:
    raw = wire_message(
        config, to_addr="ada@example.org", subject="Hello", message_id="<m.2@example.org>",
        body_text="Just text.", body_html=None, headers={}, date=WHEN,
    )  # fmt: skip
    assert parse(raw).get_content_type() == "text/plain"
    with pytest.raises(ValueError, match="line break in the X-Evil header"):
        wire_message(
            config, to_addr="ada@example.org", subject="Hi", message_id="<m.3@example.org>",
            body_text="x", body_html=None, headers={"X-Evil": "a\r\nBcc: victim@example.org"},
            date=WHEN,
        )  # fmt: skip
