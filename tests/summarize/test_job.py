"""The summarize job stores ai_summary and ai_keywords (both backends); reruns add nothing;
`dailypapers index summarize` runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from dailypapers.cli.main import app
from dailypapers.db.engine import unit_of_work
from dailypapers.papers.models import Paper
from dailypapers.summarize.job import run_summarize_backlog, summarize_backlog_count
from tests.factories import make_paper

ABSTRACTS = {
    "Graph neural networks for molecules": (
        "Molecules are graphs of atoms. We learn molecular property prediction with message "
        "passing graph neural networks over atoms and bonds. Results improve on two datasets."
    ),
    "Diffusion models for video generation": (
        "We generate short videos with a latent diffusion model. A temporal attention layer "
        "keeps frames consistent over time. Samples are sharper than earlier video generators."
    ),
}


def _stored(engine: Engine) -> dict[str, tuple[str | None, list[str] | None]]:
    with unit_of_work(engine) as session:
        rows = session.execute(select(Paper.title, Paper.ai_summary, Paper.ai_keywords))
        return {title: (summary, keywords) for title, summary, keywords in rows}


def test_the_job_fills_summaries_and_keywords_once(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        for title, abstract in ABSTRACTS.items():
            make_paper(session, title=title, abstract=abstract)
        assert summarize_backlog_count(session) == 2
    first = run_summarize_backlog(engine, batch_size=1)
    assert first.summarized == 2 and first.batches == 2
    stored = _stored(engine)
    summary, keywords = stored["Graph neural networks for molecules"]
    assert summary == (
        "We learn molecular property prediction with message passing graph neural networks "
        "over atoms and bonds."
    )
    assert keywords is not None and 3 <= len(keywords) <= 8
    video_summary, video_keywords = stored["Diffusion models for video generation"]
    assert video_summary is not None and "diffusion" in video_summary
    assert video_keywords is not None and any("video" in k.lower() for k in video_keywords)
    assert run_summarize_backlog(engine).summarized == 0  # nothing left
    assert run_summarize_backlog(engine, recheck=True).summarized == 2
    assert _stored(engine) == stored  # deterministic


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_cli_command(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(engine) as session:
        make_paper(session, title="Graph neural networks", abstract=next(iter(ABSTRACTS.values())))
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", db_url)
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["index", "summarize", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1]) == {"summarized": 1, "batches": 1}
    (summary, keywords) = next(iter(_stored(engine).values()))
    assert summary and keywords


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_index_embed_also_summarizes(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.search.conftest import MODEL_CACHE

    with unit_of_work(engine) as session:
        for title, abstract in ABSTRACTS.items():
            make_paper(session, title=title, abstract=abstract)
    data = tmp_path / "var"
    data.mkdir()
    (data / "models").symlink_to(MODEL_CACHE)  # the ONNX files built once per run
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", db_url)
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(data))
    monkeypatch.setenv("DAILYPAPERS_EMBEDDER", "onnx-int8")
    result = CliRunner().invoke(app, ["index", "embed", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summarized"] == 2
    assert all(summary and keywords for summary, keywords in _stored(engine).values())
