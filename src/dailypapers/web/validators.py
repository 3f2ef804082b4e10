"""HTTP validators of a cached answer: its ETag and Last-Modified, and If-None-Match."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from email.utils import format_datetime

from dailypapers import __version__
from dailypapers.changes.version import Stamp


def validators(stamp: Stamp, key: tuple[Hashable, ...]) -> dict[str, str]:
    """ETag, Last-Modified and Cache-Control for an answer; the same in every process."""
    tag = f"{__version__}|{stamp.site}|{stamp.votes}|{key!r}"
    digest = hashlib.sha256(tag.encode()).hexdigest()
    return {
        "ETag": f'"{digest[:32]}"',
        "Last-Modified": format_datetime(stamp.changed_at, usegmt=True),
        "Cache-Control": "no-cache",
    }


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match (weak comparison): any listed tag equal to `etag`.

    `*` is not honoured: the answer is not known to exist before it is rendered.
    """
    if not header:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in tags
