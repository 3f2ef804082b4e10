"""The demo: the seed page with the facts it leaves out (arXiv ids, authors, categories)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from dailypapers.cli.main import app
from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.demo import DEMO_DATE, DEMO_PAGE, complete, demo_facts, load_demo
from dailypapers.ingest.page import read_page
from dailypapers.papers.bibtex import bibtex
from dailypapers.papers.models import Paper
from dailypapers.search.embedder import load_embedder
from dailypapers.search.models import Embedding
from dailypapers.settings import get_settings
from tests.search.conftest import MODEL_CACHE


def _seed(shared_data: Path) -> list[dict[str, str]]:
    with (shared_data / "seed_arxiv_ids.tsv").open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_demo_paper_has_its_arxiv_id_and_authors(engine: Engine, shared_data: Path) -> None:
    seed = _seed(shared_data)
    page = read_page(DEMO_PAGE, listed_on=DEMO_DATE)
    with unit_of_work(engine) as session:
        load_demo(session)
    with unit_of_work(engine) as session:
        for row, from_page in zip(seed, page, strict=True):
            paper = session.scalar(select(Paper).where(Paper.arxiv_id == row["arxiv_id"]))
            assert paper is not None and paper.title == from_page.title
            names = [link.author.name for link in paper.author_links]
            assert len(names) == len(row["authors"].split(", ")), row["arxiv_id"]
            # what the page shows stays exactly as it shows it
            assert paper.base_upvotes == (from_page.base_upvotes or 0)
            assert paper.published_at == from_page.published_at
            org = paper.organization.name if paper.organization else None
            assert org == (from_page.organization.name if from_page.organization else None)
        tokenflow = session.scalar(select(Paper).where(Paper.arxiv_id == "2412.03069"))
        assert tokenflow is not None and tokenflow.author_links[0].author.name == "Liao Qu"
        with_categories = session.scalar(
            select(func.count()).select_from(Paper).where(Paper.primary_category.is_not(None))
        )
        assert with_categories == 22  # those found in arXiv's own metadata (the 75k snapshot)


def test_demo_bibtex_names_the_first_author_and_the_arxiv_id(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        load_demo(session)
    with unit_of_work(engine) as session:
        paper = session.scalar(select(Paper).where(Paper.arxiv_id == "2412.03069"))
        assert paper is not None
        entry = bibtex(paper)
    assert entry.startswith("@misc{qu2024tokenflow,")
    assert "eprint = {2412.03069}" in entry and "author = {Liao Qu and Huichao Zhang" in entry


def test_a_facts_file_out_of_step_with_the_page_is_refused() -> None:
    records = read_page(DEMO_PAGE, listed_on=DEMO_DATE)
    facts = demo_facts()
    with pytest.raises(ValueError, match="does not match"):
        complete(records, [facts[1], facts[0], *facts[2:]])
    with pytest.raises(ValueError, match="54 papers on the page"):
        complete(records, facts[:-1])


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", db_url)
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
    load_embedder("onnx-int8", MODEL_CACHE)  # built once per run, whichever test comes first
    (tmp_path / "models").symlink_to(MODEL_CACHE)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("cli_env")
def test_the_demo_command_embeds_and_summarizes_its_papers(engine: Engine) -> None:
    result = CliRunner().invoke(app, ["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "54 papers embedded; 54 papers summarized" in result.output
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Embedding)) == 54
        unsummarized = select(func.count()).where(Paper.ai_summary.is_(None))
        assert session.scalar(unsummarized) == 0
    again = CliRunner().invoke(app, ["demo", "--if-empty"])
    assert again.exit_code == 0 and "demo not loaded" in again.output
    stats = json.loads(CliRunner().invoke(app, ["stats", "--json"]).stdout)
    assert stats["papers"] == 54 and stats["embeddings"] == 54
