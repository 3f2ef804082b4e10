"""The README cannot drift: every command, setting and quoted benchmark script is real."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from dailypapers.cli.main import app
from dailypapers.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def _section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def cli_commands() -> list[str]:
    """Every command `dailypapers --help` leads to, as typed: `db upgrade`, `search` ..."""
    found: list[str] = []

    def walk(command: object, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if not children:
            found.append(" ".join(path))
            return
        for name, child in children.items():
            walk(child, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_the_cli_table_lists_every_command() -> None:
    table = _section("Command line")
    commands = cli_commands()
    assert {"serve", "db upgrade", "import page", "index embed", "search", "eval beir"} <= set(
        commands
    )
    # a command is listed as `dailypapers db upgrade ...` or, after a slash, as `db current`
    missing = [
        name for name in commands if not re.search(rf"`(dailypapers )?{re.escape(name)}[ `]", table)
    ]
    assert missing == []


def test_every_setting_is_documented() -> None:
    table = _section("Configuration")
    missing = [
        name for name in Settings.model_fields if f"`{ENV_PREFIX}{name.upper()}`" not in table
    ]
    assert missing == []


def test_every_benchmark_script_the_readmes_quote_exists() -> None:
    quoted: set[str] = set()
    for readme in [README, *ROOT.glob("benchmarks/*.md"), *ROOT.glob("docs/**/*.md")]:
        quoted |= set(re.findall(r"benchmarks/[a-z0-9_][\w./-]*?\.py", readme.read_text()))
    assert "benchmarks/search.py" in quoted
    assert sorted(name for name in quoted if not (ROOT / name).is_file()) == []
