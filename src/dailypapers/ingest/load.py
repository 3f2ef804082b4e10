"""The one loader: upsert a normalized paper with its authors, organization and daily entry.

The rules, shared with the bulk loader (`bulk.py`), which gives the same result for a batch:
- a record changes only the fields it has: a source that lacks a field (None, "" or [])
  does not erase what another source wrote (HF has upvotes, arXiv has categories);
- an older version than the stored one changes nothing (by version number, else by the
  date of the version), and the first version's date is kept as the published date;
- one author row per spelling; a record with authors replaces the paper's author list;
- a record with `listed_on` puts the paper in that day's list once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.ingest.records import OrganizationRecord, PaperRecord
from dailypapers.papers.models import Author, DailyEntry, Organization, Paper, PaperAuthor

# The paper columns a record can set; each only when the record has a value for it.
RECORD_FIELDS = (
    "title",
    "abstract",
    "arxiv_id",
    "arxiv_version",
    "updated_at",
    "categories",
    "primary_category",
    "comments",
    "journal_ref",
    "doi",
    "license",
    "num_authors",
    "base_upvotes",
    "code_url",
    "github_stars",
    "project_url",
    "ai_summary",
    "ai_keywords",
    "media_url",
)
# Every column the loaders may write on a paper.
WRITTEN_FIELDS = (*RECORD_FIELDS, "published_at", "arxiv_url", "pdf_url", "organization_id")
_MISSING: tuple[object, ...] = (None, "", [])


def provided_values(record: PaperRecord) -> dict[str, object]:
    """The columns `record` has values for (the published date aside, see `published_at`)."""
    values = {name: value for name in RECORD_FIELDS if (value := getattr(record, name)) is not None}
    values = {name: value for name, value in values.items() if value not in _MISSING}
    if record.arxiv_id:
        values["arxiv_url"] = f"https://arxiv.org/abs/{record.arxiv_id}"
        values["pdf_url"] = f"https://arxiv.org/pdf/{record.arxiv_id}"
    return values


def earlier_published(record: PaperRecord, stored: datetime | None) -> datetime | None:
    """The record's published date if it is earlier than the stored one (or none is stored)."""
    if record.published_at and (stored is None or record.published_at < stored):
        return record.published_at
    return None


def is_older(record: PaperRecord, *, version: int | None, updated_at: datetime | None) -> bool:
    """Whether `record` is an older version than the stored paper's."""
    if record.arxiv_version is not None and version is not None:
        return record.arxiv_version < version
    if record.arxiv_version is None and record.updated_at and updated_at:
        # By day: some sources (OAI-PMH) give the day of a version, others its time.
        return record.updated_at.date() < updated_at.date()
    return False


class Outcome(Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    OLDER = "older"  # an older version than the stored one: ignored


@dataclass(frozen=True, slots=True)
class LoadResult:
    paper: Paper
    outcome: Outcome
    listed: bool  # a new daily entry was made


def load_paper(session: Session, record: PaperRecord) -> LoadResult:
    """Insert or update `record`; flushes, never commits."""
    paper = _find(session, record)
    if paper is None:
        paper = Paper(key=record.key, title=record.title)
        session.add(paper)
        outcome = Outcome.CREATED
    elif _is_older(record, paper):
        return LoadResult(paper, Outcome.OLDER, _list(session, paper, record))
    else:
        outcome = Outcome.UNCHANGED
    if _apply(session, paper, record) and outcome is Outcome.UNCHANGED:
        outcome = Outcome.UPDATED
    session.flush()
    return LoadResult(paper, outcome, _list(session, paper, record))


def _find(session: Session, record: PaperRecord) -> Paper | None:
    if record.arxiv_id:
        found = session.scalar(select(Paper).where(Paper.arxiv_id == record.arxiv_id))
        if found is not None:
            return found
    return session.scalar(select(Paper).where(Paper.key == record.key))


def _is_older(record: PaperRecord, paper: Paper) -> bool:
    return is_older(record, version=paper.arxiv_version, updated_at=paper.updated_at)


def _apply(session: Session, paper: Paper, record: PaperRecord) -> bool:
    changed = False
    values = provided_values(record)
    if published := earlier_published(record, paper.published_at):
        values["published_at"] = published  # the first version's date is kept
    if record.organization is not None:
        values["organization_id"] = _organization(session, record.organization).id
    for name, value in values.items():
        if getattr(paper, name) != value:
            setattr(paper, name, value)
            changed = True
    if record.authors and paper.author_names != record.authors:
        _set_authors(session, paper, record.authors)
        changed = True
    return changed


def _organization(session: Session, org: OrganizationRecord) -> Organization:
    found = session.scalar(select(Organization).where(Organization.name == org.name))
    if found is None:
        found = Organization(name=org.name, full_name=org.full_name, avatar_url=org.avatar_url)
        session.add(found)
        session.flush()
    elif org.avatar_url and found.avatar_url != org.avatar_url:
        found.avatar_url = org.avatar_url
    return found


def author_rows(session: Session, names: list[str]) -> dict[str, Author]:
    """Author rows for `names`, creating the missing ones (one row per spelling)."""
    unique = list(dict.fromkeys(names))
    found = {a.name: a for a in session.scalars(select(Author).where(Author.name.in_(unique)))}
    for name in unique:
        if name not in found:
            found[name] = Author(name=name)
            session.add(found[name])
    session.flush()
    return found


def _set_authors(session: Session, paper: Paper, names: list[str]) -> None:
    rows = author_rows(session, names)
    paper.author_links.clear()
    session.flush()
    for position, name in enumerate(names):
        paper.author_links.append(PaperAuthor(position=position, author=rows[name]))


def _list(session: Session, paper: Paper, record: PaperRecord) -> bool:
    if record.listed_on is None:
        return False
    exists = session.scalar(
        select(DailyEntry.id).where(
            DailyEntry.paper_id == paper.id, DailyEntry.day == record.listed_on
        )
    )
    if exists is not None:
        return False
    session.add(
        DailyEntry(
            paper_id=paper.id,
            day=record.listed_on,
            source="import",
            submitter_name=record.submitter_name,
        )
    )
    session.flush()
    return True
