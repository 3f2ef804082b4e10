"""`--dry-run` on every import: the summary of a real run, and nothing written."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from dailypapers.cli.main import app
from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.http import PoliteFetcher
from dailypapers.ingest.oai import OaiHarvester, harvest_source
from dailypapers.ingest.run import run_source
from dailypapers.jobs.models import HarvestState
from dailypapers.papers.models import Paper
from tests.ingest.replay import Replay, oai_pages, oai_route

runner = CliRunner()


def _counts(engine: Engine) -> tuple[int, int]:
    with unit_of_work(engine) as session:
        papers = session.scalar(select(func.count()).select_from(Paper)) or 0
        states = session.scalar(select(func.count()).select_from(HarvestState)) or 0
        return papers, states


def _import(args: list[str], *, dry_run: bool) -> dict[str, object]:
    result = runner.invoke(app, ["import", *args, "--json", *(["--dry-run"] if dry_run else [])])
    assert result.exit_code == 0, result.output
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


@pytest.mark.parametrize(
    "args",
    [
        ["page", "daily_papers_page.txt", "--date", "2026-02-19"],
        ["snapshot", "arxiv-snapshot-sample-200.jsonl", "--since", "2009-01-01"],
        ["hf-json", "recorded/hf-daily-papers/sotawhat_hf_daily_papers_2026-06.json"],
    ],
    ids=["page", "snapshot", "hf-json"],
)
def test_a_dry_run_tells_what_a_run_does_and_writes_nothing(
    args: list[str],
    shared_data: Path,
    db_url: str,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", db_url)
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
    args = [args[0], str(shared_data / args[1]), *args[2:]]
    preview = _import(args, dry_run=True)
    assert _counts(engine) == (0, 0)
    assert isinstance(preview["created"], int) and preview["created"] >= 10
    assert _import(args, dry_run=False) == preview
    again = _import(args, dry_run=True)
    assert again["created"] == 0 and again["unchanged"] == preview["created"]
    assert _counts(engine)[0] == preview["created"]


def test_a_dry_run_harvest_saves_no_resumption_state(engine: Engine, shared_data: Path) -> None:
    pages = oai_pages(
        shared_data / "recorded" / "oai-pmh" / "sample_arxiv_response_listrecords_cs.xml",
        per_page=10,
    )
    with Replay(oai_route(pages)) as server:
        fetcher = PoliteFetcher(delay=0, retries=2, retry_wait=0.01)
        harvester = OaiHarvester(server.url, fetcher, daily=True)
        source = harvest_source(engine, harvester, set_spec="cs", start=date(2015, 1, 16))
        summary = run_source(engine, source, dry_run=True)
    assert len(server.requests) == 5  # every page was read
    assert (summary.created, summary.listed, summary.rejected) == (46, 46, [])
    assert _counts(engine) == (0, 0)
