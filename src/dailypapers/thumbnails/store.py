"""Thumbnail files under DATA_DIR/thumbnails: one WebP per key, written atomically.

A key is 32 hex digits (the SHA-256 of the PDF's address, cut): a request names a file only
through a key that matches that pattern, so no path from a request reaches the disk.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from dailypapers.settings import Settings

KEY = re.compile(r"[0-9a-f]{32}")
SUFFIX = ".webp"


def thumbnail_dir(settings: Settings) -> Path:
    return settings.data_dir / "thumbnails"


def key_for(pdf_url: str) -> str:
    return hashlib.sha256(pdf_url.encode()).hexdigest()[:32]


def path_for(folder: Path, key: str) -> Path | None:
    """The file of a valid key, or None (a malformed key never becomes a path)."""
    if not KEY.fullmatch(key):
        return None
    return folder / key[:2] / f"{key}{SUFFIX}"


def save(folder: Path, key: str, data: bytes) -> Path:
    """Write the image beside its final name, then rename: readers never see half a file."""
    path = path_for(folder, key)
    if path is None:
        raise ValueError(f"not a thumbnail key: {key!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
