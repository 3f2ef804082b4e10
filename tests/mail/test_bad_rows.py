"""One bad outbox row never stops the mail: it is failed with its reason, the rest goes out.

Rows are inserted as an older version (before addresses were validated) could have left
them; the envelope is written the same way with and without PIPELINING.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from dailypapers.cli.main import app
from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.mail.addresses import AddressError, normalize_address
from dailypapers.mail.delivery import deliver_outbox
from dailypapers.mail.outbox import enqueue
from dailypapers.settings import Settings, get_settings
from tests.digest.helpers import outbox_rows
from tests.digest.smtp_sink import SmtpSink

BAD = {
    "sü4@example.org": "non-ASCII",
    "x@example.org>\r\nRCPT TO:<victim@example.org": "line break",
    "a b@example.org": "not an email address",
}
GOOD = "good@example.org"


def _queue(engine: Engine, addresses: list[str]) -> None:
    rows = [
        {
            "subscription_id": None,
            "kind": "password_reset",
            "period_key": f"password_reset:{n}",
            "to_addr": address,
            "message_id": f"<reset.{n}@example.org>",
            "subject": "Reset your dailypapers password",
            "body_text": "A link.",
            "body_html": None,
            "headers": {},
            "status": "queued",
            "attempts": 0,
        }
        for n, address in enumerate(addresses)
    ]
    with unit_of_work(engine) as session:
        enqueue(session, rows, now=utcnow())


@pytest.mark.parametrize("pipelining", [False, True], ids=["plain", "pipelining"])
def test_bad_rows_before_a_good_one_are_failed_and_the_good_one_arrives(
    pipelining: bool, engine: Engine, mail_settings: Settings, smtp: SmtpSink
) -> None:
    smtp.handler.pipelining = pipelining
    _queue(engine, [*BAD, GOOD])
    report = deliver_outbox(engine, mail_settings)
    assert (report.sent, report.failed, report.waiting) == (1, len(BAD), 0)
    assert dict(smtp.handler.counts) == {GOOD: 1}  # nothing reached victim@
    rows = {row.to_addr: row for row in outbox_rows(engine)}
    assert rows[GOOD].status == "sent"
    for address, reason in BAD.items():
        assert rows[address].status == "failed"
        assert reason in (rows[address].last_error or ""), rows[address].last_error
    again = deliver_outbox(engine, mail_settings)  # nothing is retried
    assert (again.sent, again.failed, smtp.handler.total) == (0, 0, 1)


@pytest.fixture
def cli_env(
    db_url: str, tmp_path: Path, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", db_url)
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DAILYPAPERS_SMTP_URL", smtp.url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("cli_env")
def test_digest_deliver_reports_the_bad_row_and_exits_1(engine: Engine, smtp: SmtpSink) -> None:
    _queue(engine, ["sü4@example.org", GOOD])
    result = CliRunner().invoke(app, ["digest", "deliver", "--json"])
    assert result.exit_code == 1, result.output  # documented: some failed for good
    report = json.loads(result.stdout)
    assert (report["sent"], report["failed"], report["waiting"]) == (1, 1, 0)
    assert smtp.handler.counts == {GOOD: 1}
    rerun = CliRunner().invoke(app, ["digest", "deliver", "--json"])
    assert rerun.exit_code == 0 and json.loads(rerun.stdout)["failed"] == 0


@pytest.mark.parametrize(
    "bad",
    [
        "sü4@example.org",
        '"quoted"@example.org',
        "a<b@example.org",
        "a>b@example.org",
        "a(b)@example.org",
        "a,b@example.org",
        "a;b@example.org",
        "a:b@example.org",
        'a"b@example.org',
        "a[b]@example.org",
        "a\\b@example.org",
        "ada@[127.0.0.1]",
        "a b@example.org",
        "ada@localhost",
        "ada",
        "",
    ],
)
def test_one_check_refuses_bad_addresses(bad: str) -> None:
    with pytest.raises(AddressError, match="not an email address"):
        normalize_address(bad)


def test_addresses_are_stored_ascii_and_lower_case() -> None:
    assert normalize_address("  Ada@Example.ORG ") == "ada@example.org"
    assert normalize_address("ada@bücher.example") == "ada@xn--bcher-kva.example"
