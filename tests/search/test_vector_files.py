"""`index import-vectors` / `export-vectors`: strict checks, nothing written on error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from dailypapers.cli.main import app
from dailypapers.db.engine import unit_of_work
from dailypapers.search.embedder import Embedder
from dailypapers.search.indexing import backlog_count
from dailypapers.search.models import Embedding
from dailypapers.search.service import search_papers
from tests.factories import make_paper
from tests.search.conftest import TOPICS

runner = CliRunner()
MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def _papers(engine: Engine, embedder: Embedder) -> tuple[list[str], np.ndarray]:
    """The six topic papers, and their vectors as another machine would have made them."""
    with unit_of_work(engine) as session:
        for n, (title, abstract) in enumerate(TOPICS.values()):
            make_paper(session, title=title, abstract=abstract, arxiv_id=f"2509.{14470 + n}")
    ids = [f"2509.{14470 + n}" for n in range(len(TOPICS))]
    texts = [f"{t}. {a}" for t, a in TOPICS.values()]
    return ids, embedder.embed(texts)


def _write(tmp_path: Path, ids: list[str], vectors: np.ndarray) -> tuple[Path, Path]:
    np.save(tmp_path / "v.npy", vectors)
    (tmp_path / "ids.txt").write_text("".join(f"{i}\n" for i in ids))
    return tmp_path / "v.npy", tmp_path / "ids.txt"


def _stored(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(Embedding)) or 0


@pytest.mark.usefixtures("cli_env")
def test_import_then_semantic_search_then_export(
    engine: Engine, embedder: Embedder, tmp_path: Path
) -> None:
    ids, vectors = _papers(engine, embedder)
    ids[2] += "v3"  # a version suffix is ignored
    path, names = _write(tmp_path, [*ids, "2401.00001"], np.vstack([vectors, vectors[:1]]))
    result = runner.invoke(app, ["index", "import-vectors", str(path), "--ids", str(names)])
    assert result.exit_code == 0, result.output
    assert "6 vectors stored of 7 rows (1 ids not in the catalogue)" in result.stdout
    with unit_of_work(engine) as session:
        assert backlog_count(session, model=MODEL) == 0  # the embedding job sees them current
        found = search_papers(
            session, query="amino acid folding", mode="semantic", embedder=lambda: embedder
        )
        assert found.mode == "semantic" and found.hits[0].card.title == TOPICS["proteins"][0]
    out, out_ids = tmp_path / "out.npy", tmp_path / "out.txt"
    result = runner.invoke(app, ["index", "export-vectors", str(out), "--ids", str(out_ids)])
    assert result.exit_code == 0, result.output
    exported = np.load(out)
    assert exported.dtype == np.float16 and exported.shape == (6, 384)
    assert out_ids.read_text().split() == [i.removesuffix("v3") for i in ids]
    assert np.allclose(exported.astype(np.float32), vectors, atol=2e-3)


@pytest.mark.usefixtures("cli_env")
def test_bad_files_are_refused_and_nothing_is_written(
    engine: Engine, embedder: Embedder, tmp_path: Path
) -> None:
    ids, vectors = _papers(engine, embedder)
    cases = {
        "rows have 383 numbers": (ids, vectors[:, :383]),
        "holds 5 ids but": (ids[:5], vectors),
        "expected rows of float16 or float32": (ids, vectors.astype(np.int32)),
        "appears twice": ([*ids[:5], ids[0]], vectors),
        "NaN or infinite": (ids, np.where(np.arange(384) == 7, np.nan, vectors)),
    }
    for message, (names, array) in cases.items():
        path, id_file = _write(tmp_path, names, array)
        result = runner.invoke(app, ["index", "import-vectors", str(path), "--ids", str(id_file)])
        assert result.exit_code == 1 and message in result.output, (message, result.output)
        assert "nothing was written" in result.output
    path, id_file = _write(tmp_path, ids, vectors)
    unknown = ["index", "import-vectors", str(path), "--ids", str(id_file), "--model", "bert"]
    result = runner.invoke(app, unknown)
    assert result.exit_code == 1 and "unknown model 'bert'" in result.output
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    junk = runner.invoke(
        app, ["index", "import-vectors", str(tmp_path / "junk.npy"), "--ids", str(id_file)]
    )
    assert junk.exit_code == 1 and "not a NumPy .npy array" in junk.output
    assert _stored(engine) == 0
