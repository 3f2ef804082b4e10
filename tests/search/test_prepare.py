"""The model is built before requests need it; a request never builds it."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from dailypapers.search import onnx_build
from dailypapers.search.embedder import EmbedderUnavailable, load_embedder
from dailypapers.search.prepare import prepare_model
from dailypapers.search.service import search_papers
from dailypapers.settings import Settings
from tests.factories import make_paper
from tests.search.conftest import MODEL_CACHE


def test_a_request_does_not_build_the_model_and_search_says_so(
    session: Session, tmp_path: Path
) -> None:
    make_paper(session, title="Coral reefs under heat stress")
    started = time.monotonic()
    with pytest.raises(EmbedderUnavailable, match="still being prepared"):
        load_embedder("onnx-int8", tmp_path / "models", build=False)
    assert time.monotonic() - started < 5 and not (tmp_path / "models").exists()

    def unbuilt() -> object:
        return load_embedder("onnx-int8", tmp_path / "models", build=False)

    results = search_papers(session, query="coral reefs", embedder=unbuilt)  # type: ignore[arg-type]
    assert results.mode == "keyword" and [h.card.title for h in results.hits]
    assert results.notice is not None and "still being prepared" in results.notice


def test_prepare_loads_the_built_model_and_runs_a_query(settings: Settings) -> None:
    load_embedder("onnx-int8", MODEL_CACHE)  # built once per test run (tests/search/conftest)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "models").symlink_to(MODEL_CACHE)
    assert prepare_model(settings).startswith("onnx-int8 model ready in ")
    assert load_embedder("onnx-int8", settings.data_dir / "models", build=False).dim == 384


def test_the_builders_lines_are_dropped_and_ours_kept(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with onnx_build.quiet_third_party_logs():
        logging.info('Quantization parameters for tensor:"/bert/x" not specified')
        logging.info("get_tensor_type returns DefaultTensorType for tensor name 'x', use 1")
        logging.warning("Please consider to run pre-processing before quantization.")
        logging.getLogger("onnxruntime.transformers.fusion_utils").info("Fused BiasGelu: 6")
        logging.getLogger("dailypapers.x").info("quantizing the ONNX model to int8")
        logging.getLogger("onnxruntime").error("a real failure")
    logging.info("something else, after the build")
    assert [r.getMessage() for r in caplog.records] == [
        "quantizing the ONNX model to int8",
        "a real failure",
        "something else, after the build",
    ]


def test_the_int8_weights_keep_seven_bits() -> None:
    """Without VNNI, 8-bit weights saturate the CPU's int16 pair sums (onnx_build): two
    products of a uint8 activation by a weight of at most 64 in size fit (2 * 255 * 64 =
    32,640 <= 32,767); by 127 they do not."""
    import onnx
    from onnx import numpy_helper

    load_embedder("onnx-int8", MODEL_CACHE)
    model = onnx.load(str(onnx_build.built_path(MODEL_CACHE, quantized=True)))
    weights = [
        numpy_helper.to_array(t)
        for t in model.graph.initializer
        if t.data_type == onnx.TensorProto.INT8
    ]
    assert len(weights) >= 36  # six layers: query, key, value, output and two feed-forward
    assert min(int(w.min()) for w in weights) >= -64
    assert max(int(w.max()) for w in weights) <= 64


def test_a_new_recipe_removes_the_files_of_the_old_one(tmp_path: Path) -> None:
    older = [tmp_path / f"{onnx_build.STEM}.v1.{kind}.onnx" for kind in ("fp32", "int8")]
    current = onnx_build.built_path(tmp_path, quantized=True)
    other = tmp_path / "notes.onnx"
    for path in [*older, current, other]:
        path.write_bytes(b"x")
    assert sorted(onnx_build.remove_older_recipes(tmp_path)) == sorted(older)
    assert sorted(tmp_path.iterdir()) == sorted([current, other])
