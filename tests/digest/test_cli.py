"""`dailypapers subscribers add/list` and `dailypapers digest send`: the command contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from dailypapers.cli.main import app
from dailypapers.db.engine import unit_of_work
from tests.digest.helpers import THURSDAY, list_papers
from tests.digest.smtp_sink import SmtpSink

runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", db_url)
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DAILYPAPERS_SMTP_URL", smtp.url)


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.usefixtures("cli_env")
def test_subscribers_add_and_list(smtp: SmtpSink) -> None:
    added = json.loads(
        cli("subscribers", "add", "Ada@Example.org", "--confirmed", "--frequency", "weekly",
            "--topic", "diffusion", "--topic", "cat:cs.CV", "--json")
    )  # fmt: skip
    assert {k: added[k] for k in ("email", "status", "frequency", "topics")} == {
        "email": "ada@example.org",
        "status": "active",
        "frequency": "weekly",
        "topics": {"queries": ["diffusion"], "categories": ["cs.CV"]},
    }
    assert "confirmation email sent" in cli("subscribers", "add", "bob@example.org")
    assert smtp.handler.counts == {"bob@example.org": 1}  # the confirmation, and no digest
    listed = json.loads(cli("subscribers", "list", "--json"))
    assert [(s["email"], s["status"]) for s in listed] == [
        ("ada@example.org", "active"), ("bob@example.org", "pending"),
    ]  # fmt: skip
    assert [
        s["email"] for s in json.loads(cli("subscribers", "list", "--status", "pending", "--json"))
    ] == ["bob@example.org"]
    text = cli("subscribers", "list")
    assert "diffusion; cat:cs.CV" in text and "2 subscribers" in text
    bad = runner.invoke(app, ["subscribers", "add", "nobody"])
    assert bad.exit_code == 2 and "not an email address" in bad.output
    bad_topic = runner.invoke(app, ["subscribers", "add", "c@example.org", "--topic", "org:"])
    assert bad_topic.exit_code == 2 and "nothing after org:" in bad_topic.output
    assert (
        runner.invoke(
            app, ["subscribers", "add", "c@example.org", "--frequency", "hourly"]
        ).exit_code
        == 2
    )


@pytest.mark.usefixtures("cli_env")
def test_digest_send_dry_run_then_for_real(engine: Engine, smtp: SmtpSink) -> None:
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, {"One": 1, "Two": 2})
    cli("subscribers", "add", "a@example.org", "--confirmed")
    cli("subscribers", "add", "b@example.org", "--confirmed", "--topic", "nothing matches this")
    dry = json.loads(cli("digest", "send", "--date", "2026-02-20", "--dry-run", "--json"))
    assert dry["dry_run"] and dry["delivery"] is None
    assert [(p["period"], p["composed"], p["empty"]) for p in dry["periods"]] == [
        ("daily:2026-02-20", 1, 1)
    ]
    assert smtp.handler.total == 0
    real = json.loads(cli("digest", "send", "--date", "2026-02-20", "--json"))
    assert real["delivery"]["sent"] == 1 and smtp.handler.counts == {"a@example.org": 1}
    assert "no digest is due on 2026-02-21" in cli("digest", "send", "--date", "2026-02-21")
    weekly = json.loads(
        cli("digest", "send", "--date", "2026-02-21", "--period", "weekly", "--json")
    )
    assert [p["period"] for p in weekly["periods"]] == ["weekly:2026-02-21"]
    assert runner.invoke(app, ["digest", "send", "--date", "friday"]).exit_code == 2
    assert runner.invoke(app, ["digest", "send", "--period", "hourly"]).exit_code == 2
