"""`dailypapers import snapshot` and `import hf-json`: counts, bad input, exit codes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from dailypapers.cli.main import app
from dailypapers.db.engine import unit_of_work
from dailypapers.papers.models import DailyEntry, Organization, Paper

runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", db_url)
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path / "var"))


def _stats() -> dict[str, int]:
    result = runner.invoke(app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def sample(shared_data: Path) -> Path:
    return shared_data / "arxiv-snapshot-sample-200.jsonl"


@pytest.mark.usefixtures("cli_env")
def test_snapshot_twice_same_counts(sample: Path) -> None:
    first = runner.invoke(app, ["import", "snapshot", str(sample), "--daily", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["created"] == 200
    counts = _stats()
    assert (counts["papers"], counts["daily_entries"]) == (200, 200)
    assert counts["authors"] > 400
    again = runner.invoke(app, ["import", "snapshot", str(sample), "--daily", "--batch-size", "7"])
    assert again.exit_code == 0 and "200 unchanged" in again.stdout
    assert _stats() == counts


@pytest.mark.usefixtures("cli_env")
def test_an_import_recounts_the_search_terms_when_the_catalogue_grew(
    sample: Path, engine: Engine
) -> None:
    def counted() -> dict[str, int]:
        with unit_of_work(engine) as session:
            rows = session.execute(text("SELECT term, df FROM search_term_stats"))
            return {str(row[0]): int(row[1]) for row in rows}

    assert counted() == {}
    assert runner.invoke(app, ["import", "snapshot", str(sample)]).exit_code == 0
    terms = counted()
    assert terms[""] == 200  # the row of the empty term holds the number of papers
    assert len(terms) > 1000


@pytest.mark.usefixtures("cli_env")
def test_one_broken_line_in_the_middle(sample: Path, tmp_path: Path) -> None:
    lines = sample.read_text().splitlines()
    lines[99] = lines[99][: len(lines[99]) // 2]
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    result = runner.invoke(app, ["import", "snapshot", str(broken), "--batch-size", "30"])
    assert result.exit_code == 1
    assert "199 new" in result.stdout and "1 rejected" in result.stdout
    assert "rejected: line 100: invalid JSON" in result.output
    assert _stats()["papers"] == 199


@pytest.mark.usefixtures("cli_env")
def test_filters(sample: Path) -> None:
    args = ["import", "snapshot", str(sample), "--categories", "cs.CG,hep-ph", "--json"]
    summary = json.loads(runner.invoke(app, args).stdout)
    assert summary["created"] + summary["skipped"] == 200 and summary["skipped"] > 150
    args = ["import", "snapshot", str(sample), "--since", "2009-01-01", "--json"]
    since = json.loads(runner.invoke(app, args).stdout)
    assert 0 < since["seen"] < 200
    bad = runner.invoke(app, ["import", "snapshot", str(sample), "--since", "last week"])
    assert bad.exit_code == 2 and "not a date" in bad.output


@pytest.mark.usefixtures("cli_env")
def test_damaged_files_are_clear_errors(sample: Path, tmp_path: Path) -> None:
    packed = gzip.compress(sample.read_bytes())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    result = runner.invoke(app, ["import", "snapshot", str(cut), "--batch-size", "10"])
    assert result.exit_code == 2
    assert "truncated or damaged gzip file after line" in result.output
    kept = _stats()["papers"]
    assert 0 < kept < 200  # the papers before the damage were loaded
    text = tmp_path / "page.txt"
    text.write_text("Daily Papers\n\nFeb 19\n\nA title\n\nAn abstract.\n" * 5)
    result = runner.invoke(app, ["import", "snapshot", str(text)])
    assert result.exit_code == 2
    assert "not an arXiv snapshot (JSON lines) file: line 1" in result.output
    assert _stats()["papers"] == kept


@pytest.mark.usefixtures("cli_env")
def test_hf_json(shared_data: Path, engine: Engine) -> None:
    folder = shared_data / "recorded" / "hf-daily-papers"
    june = folder / "sotawhat_hf_daily_papers_2026-06.json"
    result = runner.invoke(app, ["import", "hf-json", str(june), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == 30
    counts = _stats()
    assert (counts["papers"], counts["daily_entries"]) == (30, 30)
    assert runner.invoke(app, ["import", "hf-json", str(june)]).exit_code == 0
    assert _stats() == counts
    with unit_of_work(engine) as session:
        msa = session.scalar(select(Paper).where(Paper.arxiv_id == "2606.13392"))
        assert msa is not None
        assert (msa.base_upvotes, msa.github_stars) == (103, 251)
        assert msa.code_url == "https://github.com/MiniMax-AI/MSA"
        assert msa.ai_keywords is not None and "sparse attention" in msa.ai_keywords
        assert msa.ai_summary and msa.organization is not None
        assert msa.organization.name == "MiniMaxAI"
        entry = session.scalar(select(DailyEntry).where(DailyEntry.paper_id == msa.id))
        assert entry is not None and str(entry.day) == "2026-06-12"
        assert entry.submitter_name
        orgs = session.scalars(select(Organization.name)).all()
        assert len(orgs) == len(set(orgs)) == 16
    not_json = folder.parent / "oai-pmh" / "sample_empty_response.xml"
    result = runner.invoke(app, ["import", "hf-json", str(not_json)])
    assert result.exit_code == 2 and "not JSON" in result.output


@pytest.mark.usefixtures("cli_env")
def test_a_big_snapshot_is_parsed_by_a_child_process(sample: Path, tmp_path: Path) -> None:
    """Past CHILD_FROM bytes the command parses in a child process: the same outcome."""
    from dailypapers.ingest.snapshot import CHILD_FROM

    lines = sample.read_text().splitlines()
    lines[9] = lines[9][:40]  # one bad line, reported with its number
    one = "\n".join(lines) + "\n"
    big = tmp_path / "big.jsonl"
    big.write_text(one * (CHILD_FROM // len(one.encode()) + 1))  # the sample, repeated
    assert big.stat().st_size >= CHILD_FROM
    result = runner.invoke(app, ["import", "snapshot", str(big), "--json"])
    assert result.exit_code == 1, result.output  # 1: some records were rejected
    summary = json.loads(result.stdout)
    copies = big.stat().st_size // len(one.encode())
    assert (summary["created"], summary["seen"]) == (199, 199 * copies)
    assert summary["rejected"][0].startswith("line 10: invalid JSON")
    assert len(summary["rejected"]) == copies
    assert _stats()["papers"] == 199
