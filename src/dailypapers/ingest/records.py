"""What every parser produces and the loader consumes: a normalized paper."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dailypapers.ingest.summary import ImportSummary


@dataclass(frozen=True, slots=True)
class OrganizationRecord:
    name: str
    full_name: str
    avatar_url: str | None = None


@dataclass(slots=True)
class PaperRecord:
    title: str
    abstract: str = ""
    arxiv_id: str | None = None
    arxiv_version: int | None = None
    authors: list[str] = field(default_factory=list)
    num_authors: int | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    categories: list[str] = field(default_factory=list)
    primary_category: str | None = None
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None
    code_url: str | None = None
    github_stars: int | None = None
    project_url: str | None = None
    base_upvotes: int | None = None  # None: the source does not count upvotes
    ai_summary: str | None = None
    ai_keywords: list[str] | None = None
    media_url: str | None = None  # the source's image of the paper (Hugging Face's mediaUrls)
    organization: OrganizationRecord | None = None
    listed_on: date | None = None  # put the paper in the daily list of this day
    submitter_name: str | None = None

    @property
    def key(self) -> str:
        return self.arxiv_id or local_key(self.title)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record a parser could not use: where it was (line, record id) and why."""

    where: str  # "line 12", "record 2501.00001", "page 3"
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class SourceError(RuntimeError):
    """A whole source failed (unreadable file, server refusing): not one bad record.

    Raised through `import_records`, which first loads the good records read before it and
    sets `summary` to what was loaded.
    """

    summary: ImportSummary | None = None


class RecordError(ValueError):
    """Raised by a parser for one bad record; the caller turns it into a `Rejected`."""


# Widths of the columns records are written to (papers.models); a longer value is an error.
_WIDTHS = {"arxiv_id": 64, "primary_category": 64, "doi": 300, "license": 300}
_URL_WIDTH = 1000  # a longer link is dropped: it is a parsing accident, not a link
AUTHOR_NAME_WIDTH = 300
SUBMITTER_WIDTH = 200


# arXiv ids: 2502.12345 (since 2007) or hep-th/9901001 (before); a version is kept apart.
ARXIV_ID = re.compile(r"^(?:[0-9]{4}\.[0-9]{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/[0-9]{7})$")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def web_link(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) link a page may show; None otherwise (javascript:,
    data:, relative, too long, or holding spaces or control characters)."""
    if not url or len(url) > _URL_WIDTH or _CONTROL.search(url):
        return None
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or rest.startswith("/"):
        return None
    return url


def checked(record: PaperRecord) -> PaperRecord:
    """`record` if every value fits its column and its id is an arXiv id; raises `RecordError`
    naming the field. Links that are not http(s) are dropped (a source is not trusted)."""
    for name, width in _WIDTHS.items():
        value = getattr(record, name)
        if value is not None and len(value) > width:
            raise RecordError(f"{name} longer than {width} characters")
    if record.arxiv_id is not None and not ARXIV_ID.match(record.arxiv_id):
        raise RecordError(f"arxiv_id {record.arxiv_id[:80]!r} is not an arXiv id")
    record.code_url = web_link(record.code_url)
    record.project_url = web_link(record.project_url)
    if record.organization is not None and record.organization.avatar_url is not None:
        avatar = web_link(record.organization.avatar_url)
        record.organization = replace(record.organization, avatar_url=avatar)
    if any(len(name) > AUTHOR_NAME_WIDTH for name in record.authors):
        raise RecordError(f"an author name is longer than {AUTHOR_NAME_WIDTH} characters")
    if record.submitter_name and len(record.submitter_name) > SUBMITTER_WIDTH:
        record.submitter_name = record.submitter_name[: SUBMITTER_WIDTH - 1] + "…"
    org = record.organization
    if org is not None and (len(org.name) > 200 or len(org.full_name) > 300):
        raise RecordError("organization name too long")
    return record


def local_key(title: str) -> str:
    """A stable id for a paper without an arXiv id: a hash of its normalized title."""
    folded = re.sub(r"[^0-9a-z]+", " ", title.casefold()).strip()
    return "dp-" + hashlib.sha256(folded.encode()).hexdigest()[:12]
