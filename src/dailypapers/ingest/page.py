"""Parser for the text of a Hugging Face "Daily Papers" page (the demo corpus format).

The page is paragraphs separated by blank lines. After a header that ends with the page's
own date ("Feb 19"), each paper is a title paragraph, an abstract paragraph and, usually, a
metadata paragraph: "• 10 authors" or an organization line ("nvidia NVIDIA"), a "·" line,
and a date line ("Dec 4, 2024 3": date, then upvotes when there are any).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from dailypapers.ingest.normalize import clean_text, extract_links
from dailypapers.ingest.records import OrganizationRecord, PaperRecord

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    )
}
_DATE_LINE = re.compile(
    r"^(?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?(?: (?P<upvotes>\d+))?$"
)
_AUTHORS_LINE = re.compile(r"^•\s*(?P<count>\d+)\s+authors?$")
_ORG_LINE = re.compile(r"^(?P<name>\w[\w.-]*)\s+(?P<full>\w.*)$")


class PageFormatError(ValueError):
    """The text is not a daily-papers page; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True, slots=True)
class _Paragraph:
    line: int
    lines: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def read_page(path: Path, *, listed_on: date) -> list[PaperRecord]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PageFormatError(_line_of_byte(path.read_bytes(), exc.start), "not UTF-8") from exc
    return parse_page(text, listed_on=listed_on)


def _line_of_byte(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def parse_page(text: str, *, listed_on: date) -> list[PaperRecord]:
    """Every paper on the page, normalized, each listed on `listed_on`."""
    paragraphs = _body(_paragraphs(text))
    records: list[PaperRecord] = []
    i = 0
    while i < len(paragraphs):
        title = paragraphs[i]
        if _is_meta(title):
            raise PageFormatError(title.line, "metadata without a title and abstract before it")
        if i + 1 >= len(paragraphs) or _is_meta(paragraphs[i + 1]):
            raise PageFormatError(title.line, f"paper {title.text[:60]!r} has no abstract")
        abstract = paragraphs[i + 1]
        meta = paragraphs[i + 2] if i + 2 < len(paragraphs) else None
        if meta is not None and _is_meta(meta):
            i += 3
        else:
            meta, i = None, i + 2
        records.append(_record(title, abstract, meta, listed_on))
    if not records:
        raise PageFormatError(1, "no papers found")
    return records


def _paragraphs(text: str) -> list[_Paragraph]:
    paragraphs: list[_Paragraph] = []
    current: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line:
            if not current:
                start = number
            current.append(line)
        elif current:
            paragraphs.append(_Paragraph(start, current))
            current = []
    if current:
        paragraphs.append(_Paragraph(start, current))
    return paragraphs


def _body(paragraphs: list[_Paragraph]) -> list[_Paragraph]:
    """Skip the page header: everything up to the page's own date after "Daily Papers"."""
    for i, paragraph in enumerate(paragraphs[:12]):
        if paragraph.text == "Daily Papers":
            for j in range(i + 1, min(i + 4, len(paragraphs))):
                if _DATE_LINE.match(paragraphs[j].text):
                    return paragraphs[j + 1 :]
            raise PageFormatError(paragraph.line, "header without the page's date")
    return paragraphs


def _is_meta(paragraph: _Paragraph) -> bool:
    return bool(_DATE_LINE.match(paragraph.lines[-1])) and (
        len(paragraph.lines) == 1 or "·" in paragraph.lines
    )


def _record(
    title: _Paragraph, abstract: _Paragraph, meta: _Paragraph | None, listed_on: date
) -> PaperRecord:
    raw_abstract = "\n".join(abstract.lines)
    links = extract_links(raw_abstract)
    record = PaperRecord(
        title=clean_text(title.text),
        abstract=clean_text(raw_abstract),
        code_url=links.code_url,
        project_url=links.project_url,
        listed_on=listed_on,
    )
    if meta is not None:
        _apply_meta(record, meta, listed_on)
    return record


def _apply_meta(record: PaperRecord, meta: _Paragraph, listed_on: date) -> None:
    *head, last = meta.lines
    match = _DATE_LINE.match(last)
    assert match is not None  # _is_meta checked it
    record.published_at = _published(match, meta.line + len(meta.lines) - 1, listed_on)
    record.base_upvotes = int(match["upvotes"] or 0)
    for offset, line in enumerate(head):
        if line == "·":
            continue
        if authors := _AUTHORS_LINE.match(line):
            record.num_authors = int(authors["count"])
        elif org := _ORG_LINE.match(line):
            record.organization = OrganizationRecord(name=org["name"], full_name=org["full"])
        else:
            raise PageFormatError(meta.line + offset, f"unexpected metadata line {line!r}")


def _published(match: re.Match[str], line: int, listed_on: date) -> datetime:
    month = _MONTHS.get(match["month"])
    if month is None:
        raise PageFormatError(line, f"unknown month {match['month']!r}")
    year = int(match["year"]) if match["year"] else listed_on.year
    try:
        day = date(year, month, int(match["day"]))
        if not match["year"] and day > listed_on:
            day = date(year - 1, month, int(match["day"]))
    except ValueError as exc:
        raise PageFormatError(line, f"invalid date {match.group(0)!r}: {exc}") from exc
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
