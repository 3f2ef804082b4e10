"""How many abstracts a second this CPU can embed at most: the int8 matrix products alone.

    .venv/bin/python benchmarks/embed_ceiling.py [--texts 512] [--rows 8192]

all-MiniLM-L6-v2 spends almost all its arithmetic in four weight matrices per layer (six
layers): the fused query-key-value projection (384 x 1152), the attention output (384 x
384) and the two feed-forward ones (384 x 1536, 1536 x 384). This script
- counts the tokens of `--texts` abstracts of the 75k snapshot as the embedder sees them
  (`title. abstract`, 256 tokens at most), and so the multiply-adds per abstract;
- builds one ONNX graph per matrix shape, quantized by the recipe of the real model
  (`search/onnx_build.quantize_int8`), and times it on `--rows` token rows (best of 8, every
  core): the speed ONNX Runtime's int8 kernels reach on this CPU at the model's shapes;
- gives the ceiling those speeds put on abstracts per second, counting the matrix products
  alone (no attention scores, softmax, layer norms, GELU or activation quantization), and
  the embedder's real throughput on the same abstracts beside it.
A target above the ceiling needs less arithmetic per abstract (fewer tokens, a smaller
model) or a CPU with faster int8 instructions (VNNI, AMX), not tuning.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import machine_line
from search_corpus import read_snapshot

from dailypapers.search.embedder import OnnxEmbedder, load_embedder
from dailypapers.search.onnx_build import quantize_int8
from dailypapers.search.text import embedding_text

LAYERS = 6
HEADS_DIM = 384  # 12 heads x 32
SHAPES = [(384, 1152), (384, 384), (384, 1536), (1536, 384)]  # (in, out) per layer


def matmul_graph(k: int, n: int, rows: int, path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weight = numpy_helper.from_array((rng.standard_normal((k, n)) * 0.05).astype(np.float32), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["Y"])],
        "matmul",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [rows, k])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [rows, n])],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def int8_speed(k: int, n: int, rows: int, folder: Path) -> float:
    """Multiply-adds per second of the int8 product (rows x k) @ (k x n), best of 8."""
    import onnxruntime as ort

    fp32, int8 = folder / f"{k}x{n}.onnx", folder / f"{k}x{n}.int8.onnx"
    matmul_graph(k, n, rows, fp32)
    quantize_int8(fp32, int8)
    options = ort.SessionOptions()
    options.intra_op_num_threads = os.cpu_count() or 1
    options.log_severity_level = 3
    session = ort.InferenceSession(str(int8), options, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(1).standard_normal((rows, k)).astype(np.float32)
    session.run(None, {"X": x})
    best = float("inf")
    for _ in range(8):
        started = time.perf_counter()
        session.run(None, {"X": x})
        best = min(best, time.perf_counter() - started)
    return rows * k * n / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=512)
    parser.add_argument("--rows", type=int, default=8192, help="token rows per timed product")
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.ERROR)  # the quantizer's advice, once per product
    print(f"embedding ceiling; {os.cpu_count()} cores; {machine_line()}", flush=True)
    texts = [embedding_text(p.title, p.abstract) for p in read_snapshot(limit=args.texts)]
    embedder = load_embedder("onnx-int8", Path(tempfile.gettempdir()) / "dailypapers-bench/models")
    assert isinstance(embedder, OnnxEmbedder)
    tokens = [len(e.ids) for e in embedder.tokenizer.encode_batch(texts)]  # as it truncates
    mean_tokens = sum(tokens) / len(tokens)
    linear = LAYERS * sum(k * n for k, n in SHAPES) * mean_tokens
    attention = sum(LAYERS * 2 * t * t * HEADS_DIM for t in tokens) / len(tokens)
    print(
        f"{len(texts)} abstracts: {mean_tokens:.1f} tokens on average; multiply-adds per "
        f"abstract: {linear / 1e9:.2f} G in the weight matrices, {attention / 1e9:.2f} G in "
        "attention scores",
        flush=True,
    )
    seconds_per_token = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for k, n in SHAPES:
            speed = int8_speed(k, n, args.rows, Path(tmp))
            seconds_per_token += LAYERS * k * n / speed
            print(f"  int8 product {k} x {n}: {speed / 1e9:.1f} G multiply-adds/s", flush=True)
    ceiling = 1 / (seconds_per_token * mean_tokens)
    embedder.embed(texts[:32])
    started = time.perf_counter()
    embedder.embed(texts)
    real = len(texts) / (time.perf_counter() - started)
    print(
        f"ceiling from the weight matrices alone: {ceiling:.1f} abstracts/s "
        f"(they would need {100 * linear / 1e9:.0f} G multiply-adds/s for 100 abstracts/s)\n"
        f"the embedder (onnx-int8): {real:.1f} abstracts/s, {real / ceiling:.0%} of the ceiling",
        flush=True,
    )
    print(f"at the end: {machine_line()}")


if __name__ == "__main__":
    main()
