"""arXiv's bulk metadata snapshot: one JSON object a line, plain or gzipped, streamed.

Each line has `id, submitter, authors, title, comments, journal-ref, doi, report-no,
categories, license, abstract, versions, update_date, authors_parsed`. A bad line becomes a
`Rejected` naming its line number; a file that is not JSON lines at all, or a gzip stream cut
short, raises `SnapshotFormatError`.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, cast

from dailypapers.ingest.normalize import (
    clean_text,
    collapse_whitespace,
    extract_links,
    normalize_author_name,
)
from dailypapers.ingest.records import (
    PaperRecord,
    RecordError,
    Rejected,
    SourceError,
    checked,
)

GZIP_MAGIC = b"\x1f\x8b"
# Bad lines before the first good one: this many, or only bad lines, and the file is refused.
_FORMAT_PROBE_LINES = 10
_VERSION = re.compile(r"^v(\d+)$")
# Lines between two readings of the position: a tell() lets the writer thread take the GIL
# (a system call), and once a line it cost the reader more than parsing does.
_POSITION_EVERY = 256
# From this size on, a child process parses while this one writes (`snapshot_child`): the
# 75k file (47 MB) imported in 55.8 s instead of 75.3 s, back to back on this 2-core machine
# (README, *Import speed*). Below it, starting the child costs more than it saves.
CHILD_FROM = 4_000_000


class SnapshotFormatError(SourceError):
    """The file as a whole cannot be read as an arXiv snapshot."""


@dataclass(frozen=True, slots=True)
class SnapshotFilter:
    categories: frozenset[str] = frozenset()  # keep papers in any of these; empty: all
    since: date | None = None  # keep papers updated on or after this day
    daily: bool = False  # list each paper on the day its first version appeared

    def keeps(self, record: PaperRecord) -> bool:
        if self.categories and self.categories.isdisjoint(record.categories):
            return False
        changed = record.updated_at or record.published_at
        return self.since is None or (changed is not None and changed.date() >= self.since)


@dataclass(slots=True)
class SnapshotReader:
    """Iterate over `PaperRecord`s and `Rejected`s of a snapshot file, one line at a time.

    `position` (bytes of the file consumed, compressed when gzipped) and `size` drive a
    progress bar; `skipped` counts records the filter left out.
    """

    path: Path
    filter: SnapshotFilter = field(default_factory=SnapshotFilter)
    position: int = 0
    skipped: int = 0
    lines: int = 0
    child_from: int = CHILD_FROM  # files this big or bigger are parsed by a child process

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def __iter__(self) -> Iterator[PaperRecord | Rejected]:
        if self.size >= self.child_from:
            from dailypapers.ingest.snapshot_child import parsed_in_child

            return parsed_in_child(self)
        return self.items_here()

    def items_here(self) -> Iterator[PaperRecord | Rejected]:
        """The items, parsed in this process."""
        good = 0
        leading: list[Rejected] = []  # bad lines before the first good one: held back
        with self.path.open("rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw)) if compressed else raw
            for number, line in self._numbered(stream, raw, compressed):
                self.lines = number
                if not line.strip():
                    continue
                item = self._parse(number, line)
                if isinstance(item, Rejected):
                    if good:
                        yield item
                        continue
                    leading.append(item)
                    if len(leading) >= _FORMAT_PROBE_LINES:
                        raise self._not_json_lines(leading[0])
                    continue
                good += 1
                yield from leading
                leading.clear()
                if self.filter.keeps(item):
                    yield item
                else:
                    self.skipped += 1
        if leading:
            raise self._not_json_lines(leading[0])

    def _numbered(
        self, stream: IO[bytes], raw: IO[bytes], compressed: bool
    ) -> Iterator[tuple[int, bytes]]:
        number = 0
        try:
            for number, line in enumerate(stream, start=1):
                if number % _POSITION_EVERY == 0:
                    self.position = raw.tell()
                yield number, line
            self.position = raw.tell()
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            what = "truncated or damaged gzip file" if compressed else "unreadable file"
            raise SnapshotFormatError(
                f"{self.path}: {what} after line {number} ({exc}); "
                "the papers before that point were loaded"
            ) from exc

    def _parse(self, number: int, line: bytes) -> PaperRecord | Rejected:
        try:
            data = json.loads(line)
        except UnicodeDecodeError:
            return Rejected(f"line {number}", "not UTF-8")
        except ValueError as exc:
            return Rejected(f"line {number}", f"invalid JSON ({exc})")
        if not isinstance(data, dict):
            return Rejected(f"line {number}", "not a JSON object")
        try:
            return parse_snapshot_record(data, daily=self.filter.daily)
        except RecordError as exc:
            ref = data.get("id")
            where = f"line {number} (record {ref})" if isinstance(ref, str) and ref else ""
            return Rejected(where or f"line {number}", str(exc))

    def _not_json_lines(self, first: Rejected) -> SnapshotFormatError:
        return SnapshotFormatError(
            f"{self.path}: not an arXiv snapshot (JSON lines) file: {first}; nothing was imported"
        )


def parse_snapshot_record(data: dict[str, Any], *, daily: bool = False) -> PaperRecord:
    """One snapshot object as a normalized record; raises `RecordError` when unusable."""
    arxiv_id = _text(data, "id")
    if not arxiv_id:
        raise RecordError("missing id")
    raw_title = _text(data, "title")
    title = clean_text(raw_title)
    if not title:
        raise RecordError("missing title")
    raw_abstract = _text(data, "abstract") or ""
    raw_comments = _text(data, "comments")
    versions = _versions(data.get("versions"))
    first, latest = (versions[0], versions[-1]) if versions else (None, None)
    updated = _day(data.get("update_date"))
    published_at = first[1] if first else updated
    categories = (_text(data, "categories") or "").split()
    links = extract_links(raw_abstract, raw_comments)
    record = PaperRecord(
        title=title,
        abstract=clean_text(raw_abstract),
        arxiv_id=arxiv_id,
        arxiv_version=latest[0] if latest else None,
        authors=_authors(data),
        published_at=published_at,
        updated_at=latest[1] if latest else updated,
        categories=categories,
        primary_category=categories[0] if categories else None,
        comments=collapse_whitespace(raw_comments) if raw_comments else None,
        journal_ref=_text(data, "journal-ref"),
        doi=_text(data, "doi"),
        license=_text(data, "license"),
        code_url=links.code_url,
        project_url=links.project_url,
        listed_on=published_at.date() if daily and published_at else None,
        submitter_name=_text(data, "submitter"),
    )
    return checked(record)


def _text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{name} is not a string")
    return value.strip() or None


def _versions(value: Any) -> list[tuple[int, datetime]]:
    """(number, date) of every version, oldest first."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError("versions is not a list")
    versions = []
    for item in value:
        try:
            number = _VERSION.match(item["version"])
            created = _version_date(item["created"])
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordError(f"unreadable version {item!r}") from exc
        if number is None:
            raise RecordError(f"unreadable version number {item['version']!r}")
        versions.append((int(number.group(1)), created))
    return sorted(versions)


@lru_cache(maxsize=4096)
def _version_date(text: str) -> datetime:
    """'Mon, 2 Apr 2007 19:18:42 GMT' in UTC (many papers share a date: cached)."""
    created = parsedate_to_datetime(text)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created.astimezone(UTC)


def _day(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError as exc:
        raise RecordError(f"unreadable update_date {value!r}") from exc
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _authors(data: dict[str, Any]) -> list[str]:
    """Names from `authors_parsed` ([last, first, suffix]), else from the `authors` string."""
    parsed = data.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            try:
                if not isinstance(parts, list):
                    raise TypeError(parts)
                last, first, suffix = [*parts, "", ""][:3]
                names.append(_author_name(" ".join((first, last, suffix))))  # str parts only
            except TypeError as exc:
                raise RecordError("authors_parsed is not a list of name parts") from exc
        return [name for name in names if name]
    return split_author_list(_text(data, "authors") or "")


@lru_cache(maxsize=65536)
def _author_name(joined: str) -> str:
    """A name from its parts (many authors have several papers: cached)."""
    return normalize_author_name(joined)


_AUTHOR_SEPARATORS = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
_PARENTHESES = re.compile(r"\([^()]*\)")


def split_author_list(authors: str) -> list[str]:
    """'A. One, B. Two and C. Three (MIT)' -> ['A. One', 'B. Two', 'C. Three']."""
    text = _PARENTHESES.sub(" ", authors)
    names = (normalize_author_name(part) for part in _AUTHOR_SEPARATORS.split(text))
    return [name for name in names if name]
