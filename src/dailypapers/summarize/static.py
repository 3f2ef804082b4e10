"""Static token vectors: the input embedding matrix of all-MiniLM-L6-v2 (Model2Vec-like).

The transformer is far too slow to embed every sentence and candidate phrase of every
abstract (about 60 texts/s on 2 cores). Its first layer, the WordPiece embedding table,
is a lookup: a text's vector is the mean of its content tokens' rows, after removing the
table's common direction (the mean row) and normalizing each row. Loaded once from the
model wheel's safetensors, offline.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dailypapers.model_files import EmbedderUnavailable, model_dir

CACHE_WORDS = 400_000  # distinct words whose token ids are kept


class StaticVectors:
    def __init__(self, path: Path | None = None) -> None:
        try:
            from safetensors import safe_open
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbedderUnavailable(f"safetensors or tokenizers is missing ({exc})") from exc
        folder = path or model_dir()
        with safe_open(str(folder / "model.safetensors"), "np") as weights:
            table = weights.get_tensor("embeddings.word_embeddings.weight").astype(np.float32)
        table -= table.mean(axis=0, keepdims=True)
        table /= np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-12)
        self.table = table
        self.dim = table.shape[1]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self._cache: dict[str, tuple[int, ...]] = {}
        self._cache_lock = threading.Lock()
        vocab = self.tokenizer.get_vocab()
        # Special tokens and bare punctuation carry no topic.
        self.skip = np.zeros(len(table), dtype=bool)
        for token, index in vocab.items():
            special = token.startswith("[") and token.endswith("]")
            if special or not any(c.isalnum() for c in token):
                self.skip[index] = True

    def word_ids(self, words: Sequence[str]) -> list[tuple[int, ...]]:
        """Content token ids of each word (the tokenizer is uncased); cached per word."""
        keys = [w.lower() for w in words]
        with self._cache_lock:
            missing = sorted({k for k in keys if k not in self._cache})
            if missing:
                if len(self._cache) > CACHE_WORDS:
                    self._cache.clear()
                encodings = self.tokenizer.encode_batch(missing, add_special_tokens=False)
                for key, encoding in zip(missing, encodings, strict=True):
                    self._cache[key] = tuple(i for i in encoding.ids if not self.skip[i])
            return [self._cache[k] for k in keys]

    def pool(self, token_ids: Sequence[Sequence[int]]) -> np.ndarray:
        """One L2-normalized mean vector per id list (zeros for an empty list)."""
        out = np.zeros((len(token_ids), self.dim), dtype=np.float32)
        lengths = np.fromiter((len(ids) for ids in token_ids), dtype=np.int64, count=len(token_ids))
        if lengths.sum():
            from scipy.sparse import csr_matrix

            flat = np.fromiter(
                (i for ids in token_ids for i in ids), dtype=np.int64, count=int(lengths.sum())
            )
            indptr = np.concatenate([[0], np.cumsum(lengths)])
            counts = csr_matrix(
                (np.ones(len(flat), dtype=np.float32), flat, indptr),
                shape=(len(token_ids), len(self.table)),
            )
            out = np.asarray(counts @ self.table, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        unit: np.ndarray = out / np.maximum(norms, 1e-12)
        return unit

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Texts split at whitespace; for tests and one-off use."""
        return self.pool([[i for ids in self.word_ids(t.split()) for i in ids] for t in texts])


_loaded: StaticVectors | None = None
_lock = threading.Lock()


def static_vectors() -> StaticVectors:
    """The process-wide instance; raises EmbedderUnavailable without the model wheel."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = StaticVectors()
        return _loaded
