"""The command line: names other scripts rely on, the page import contract, stats --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dailypapers.cli.main import app

runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", db_url)
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))


def _stats() -> dict[str, int]:
    result = runner.invoke(app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_help_lists_the_contract_commands() -> None:
    top = runner.invoke(app, ["--help"]).stdout
    for name in ("serve", "db", "demo", "import", "stats"):
        assert name in top
    assert "upgrade" in runner.invoke(app, ["db", "--help"]).stdout
    assert "page" in runner.invoke(app, ["import", "--help"]).stdout


@pytest.mark.usefixtures("cli_env")
def test_import_page_twice_gives_54_papers(shared_data: Path) -> None:
    page = str(shared_data / "daily_papers_page.txt")
    first = runner.invoke(app, ["import", "page", page, "--date", "2026-02-19"])
    assert first.exit_code == 0, first.output
    counts = _stats()
    assert list(counts) == [
        "papers", "authors", "organizations", "daily_entries", "users",
        "upvotes", "comments", "subscriptions", "embeddings",
    ]  # fmt: skip
    assert (counts["papers"], counts["daily_entries"], counts["organizations"]) == (54, 54, 2)
    second = runner.invoke(app, ["import", "page", page, "--date", "2026-02-19"])
    assert second.exit_code == 0
    assert _stats() == counts


@pytest.mark.usefixtures("cli_env")
def test_malformed_page_names_the_line_and_writes_nothing(tmp_path: Path) -> None:
    page = tmp_path / "bad.txt"
    page.write_text("Good title\n\nGood abstract.\n\n  • 3 authors\n·\nFeb 2 1\n\n"
                    "Second\n\nAbstract two.\n\n  • 3 authors\n·\nFeb 30 1\n")  # fmt: skip
    result = runner.invoke(app, ["import", "page", str(page), "--date", "2026-02-19"])
    assert result.exit_code == 2
    assert "line 15" in result.output and "nothing was imported" in result.output
    assert _stats()["papers"] == 0


@pytest.mark.usefixtures("cli_env")
def test_bad_date_option_is_refused(shared_data: Path) -> None:
    page = str(shared_data / "daily_papers_page.txt")
    result = runner.invoke(app, ["import", "page", page, "--date", "2026-13-40"])
    assert result.exit_code == 2
    assert "is not a date" in result.output
