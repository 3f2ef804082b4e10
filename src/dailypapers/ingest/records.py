"""What every parser produces and the loader consumes: a normalized paper."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime


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
    base_upvotes: int = 0
    ai_summary: str | None = None
    ai_keywords: list[str] | None = None
    organization: OrganizationRecord | None = None
    listed_on: date | None = None  # put the paper in the daily list of this day
    submitter_name: str | None = None

    @property
    def key(self) -> str:
        return self.arxiv_id or local_key(self.title)


def local_key(title: str) -> str:
    """A stable id for a paper without an arXiv id: a hash of its normalized title."""
    folded = re.sub(r"[^0-9a-z]+", " ", title.casefold()).strip()
    return "dp-" + hashlib.sha256(folded.encode()).hexdigest()[:12]
