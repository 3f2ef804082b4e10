"""The command-line contract: search --json, index embed/status, eval beir --json."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from dailypapers.cli.main import app
from dailypapers.db.engine import unit_of_work
from dailypapers.search.backends import backend_for
from tests.factories import make_paper
from tests.search.conftest import TOPICS
from tests.search.test_beir import write_collection

runner = CliRunner()


def _json(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.usefixtures("cli_env", "embedder")
def test_index_embed_then_search(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        for title, abstract in TOPICS.values():
            make_paper(session, title=title, abstract=abstract)
    assert _json(["index", "status", "--json"]) == {"papers": 6, "embedded": 0, "backlog": 6}
    embedded = _json(["index", "embed", "--json", "--batch-size", "4"])
    counts = {k: embedded[k] for k in ("embedded", "unchanged", "batches")}
    assert counts == {"embedded": 6, "unchanged": 0, "batches": 2}
    assert _json(["index", "status", "--json"])["backlog"] == 0
    assert _json(["index", "embed", "--json"])["embedded"] == 0  # nothing left: resumable
    found = _json(["search", "recognising spoken words", "--mode", "semantic", "--json"])
    assert found["mode"] == "semantic"
    hits = found["hits"]
    assert isinstance(hits, list) and hits[0]["title"] == TOPICS["speech"][0]
    keyword = _json(["search", "robot", "--mode", "keyword", "--limit", "1", "--json"])
    assert [h["title"] for h in keyword["hits"]] == [TOPICS["robots"][0]]  # type: ignore[union-attr]
    table = runner.invoke(app, ["search", "robot"])
    assert table.exit_code == 0 and "grasp" in table.stdout
    bad = runner.invoke(app, ["search", "robot", "--mode", "fuzzy"])
    assert bad.exit_code == 2


@pytest.mark.usefixtures("cli_env")
def test_index_rebuild_swaps_in_a_new_keyword_index(engine: Engine, backend: str) -> None:
    """On PostgreSQL too; there the folder is the node's, under DATA_DIR/keywords/."""
    with unit_of_work(engine) as session:
        make_paper(session, title="Narwhal tusks")
    with unit_of_work(engine) as session:
        keyword = backend_for(session).fulltext.keyword  # type: ignore[attr-defined]
        assert keyword.ready_for(session) is not None  # built by the search's catch-up
    before = keyword.current()[1].generation
    result = runner.invoke(app, ["index", "rebuild"])
    assert result.exit_code == 0 and "full text: 1 papers" in result.stdout, result.output
    assert keyword.current()[1].generation != before
    if backend == "postgresql":
        data_dir = Path(os.environ["DAILYPAPERS_DATA_DIR"])
        assert keyword.folder.parent == data_dir / "keywords"


@pytest.mark.usefixtures("cli_env", "embedder")
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_eval_beir_json(tmp_path: Path) -> None:
    table = _json(["eval", "beir", str(write_collection(tmp_path / "tiny")), "--json"])
    assert list(table) == ["keyword", "semantic", "hybrid"]
    assert set(table["hybrid"]) == {"ndcg@10", "recall@100"}  # type: ignore[arg-type]
    missing = runner.invoke(app, ["eval", "beir", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "missing" in missing.output
