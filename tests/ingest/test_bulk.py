"""The bulk loader leaves the database exactly as `load_paper` does, and follows the rules.

Rules: re-import changes nothing; a newer version updates in place; an older one is ignored;
the first version's date stays the published date; a source lacking a field does not erase
it; one author row per spelling.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.hf_json import read_hf_json
from dailypapers.ingest.load import WRITTEN_FIELDS
from dailypapers.ingest.page import read_page
from dailypapers.ingest.pipeline import import_records
from dailypapers.ingest.records import OrganizationRecord, PaperRecord
from dailypapers.ingest.snapshot import SnapshotFilter, SnapshotReader
from dailypapers.ingest.summary import load_records
from dailypapers.papers.models import Author, DailyEntry, Organization, Paper, PaperAuthor

DAY = date(2026, 2, 19)


def _when(day: int) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC)


def _mixed_records(shared_data: Path) -> list[PaperRecord]:
    """Every source, plus the tricky cases: versions, duplicates in a batch, org avatars."""
    snapshot = SnapshotReader(
        shared_data / "arxiv-snapshot-sample-200.jsonl", SnapshotFilter(daily=True)
    )
    records = [r for r in snapshot if isinstance(r, PaperRecord)][:60]
    hf = shared_data / "recorded" / "hf-daily-papers" / "sotawhat_hf_daily_papers_2026-06.json"
    records += [r for r in read_hf_json(hf) if isinstance(r, PaperRecord)]
    records += read_page(shared_data / "daily_papers_page.txt", listed_on=DAY)[:20]
    first, second, third, fourth = (dataclasses.replace(r) for r in records[:4])
    records += [
        # A newer version of the first paper: updates it, keeps its first date.
        dataclasses.replace(
            first,
            arxiv_version=3,
            title="A newer title",
            published_at=_when(5),
            updated_at=_when(5),
            authors=[*first.authors[:2], "New Author"],
            listed_on=_when(5).date(),
        ),
        # An older version of the second: ignored, but still listed on its day.
        dataclasses.replace(second, arxiv_version=1, title="An old title", listed_on=DAY),
        # A source without categories or versions (like HF): adds upvotes, erases nothing.
        PaperRecord(
            title=third.title,
            arxiv_id=third.arxiv_id,
            base_upvotes=12,
            github_stars=0,
            code_url="https://github.com/example/third",
            ai_keywords=["a", "b"],
            organization=OrganizationRecord("lab", "The Lab", None),
        ),
        # The same paper twice in a row (one batch): the second wins.
        dataclasses.replace(fourth, authors=["Only One"], comments="first pass"),
        dataclasses.replace(fourth, authors=["Only One", "And Two"], comments="second pass"),
        # An organization seen again with an avatar, then with another one.
        PaperRecord(
            title="Org paper one",
            arxiv_id="2601.00001",
            organization=OrganizationRecord("lab", "The Lab", "https://img/1.png"),
            authors=["C. Balázs", "Only One"],
        ),
        PaperRecord(
            title="Org paper two",
            arxiv_id="2601.00002",
            organization=OrganizationRecord("lab", "Another name", "https://img/2.png"),
            published_at=_when(1),
            updated_at=_when(1),
        ),
        # No version, but an older update date than stored: ignored.
        PaperRecord(title="Stale", arxiv_id="2601.00002", updated_at=_when(1) - timedelta(1)),
    ]
    return records


def _dump(session: Session) -> dict[str, Any]:
    """The catalogue by natural keys: what must not depend on the loader."""
    papers = {}
    for paper in session.scalars(select(Paper)):
        row = {name: getattr(paper, name) for name in WRITTEN_FIELDS if name != "organization_id"}
        row["organization"] = paper.organization.name if paper.organization else None
        row["authors"] = paper.author_names
        row["flags"] = (paper.hidden, paper.featured)
        papers[paper.key] = row
    json_nulls = session.scalar(
        select(func.count()).select_from(Paper).where(Paper.ai_keywords.is_(None))
    )
    return {
        "papers": papers,
        "sql_null_keywords": json_nulls,
        "authors": sorted(session.scalars(select(Author.name))),
        "organizations": sorted(
            session.execute(
                select(Organization.name, Organization.full_name, Organization.avatar_url)
            )
        ),
        "daily": sorted(
            session.execute(
                select(Paper.key, DailyEntry.day, DailyEntry.source, DailyEntry.submitter_name)
                .join(DailyEntry.paper)
                .order_by(Paper.key)
            )
        ),
    }


def _clear(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        for model in (DailyEntry, PaperAuthor, Paper, Author, Organization):
            session.execute(delete(model))


def test_bulk_gives_exactly_what_load_paper_gives(engine: Engine, shared_data: Path) -> None:
    records = _mixed_records(shared_data)
    with unit_of_work(engine) as session:
        orm_summary = load_records(session, [dataclasses.replace(r) for r in records])
    with unit_of_work(engine) as session:
        by_orm = _dump(session)
    _clear(engine)
    bulk_summary = import_records(engine, [dataclasses.replace(r) for r in records], batch_size=7)
    with unit_of_work(engine) as session:
        by_bulk = _dump(session)
    assert bulk_summary.as_dict() == orm_summary.as_dict()
    assert (orm_summary.created, orm_summary.older) == (len(records) - 6, 2)
    assert by_bulk == by_orm
    assert by_orm["sql_null_keywords"] > 0  # a missing JSON value is SQL NULL, not 'null'


def test_rules_hold_after_bulk_loading(engine: Engine, shared_data: Path) -> None:
    records = _mixed_records(shared_data)
    import_records(engine, records, batch_size=50)
    first, second, third, fourth = records[:4]
    with unit_of_work(engine) as session:
        papers = {p.arxiv_id: p for p in session.scalars(select(Paper))}
        updated = papers[first.arxiv_id]
        assert (updated.title, updated.arxiv_version) == ("A newer title", 3)
        assert updated.published_at == first.published_at  # the first version's date
        assert updated.author_names == [*first.authors[:2], "New Author"]
        assert papers[second.arxiv_id].title == second.title  # the old version was ignored
        kept = papers[third.arxiv_id]
        assert kept.categories == third.categories and kept.arxiv_version == third.arxiv_version
        assert (kept.base_upvotes, kept.github_stars) == (12, 0)
        assert kept.author_names == third.authors
        assert papers[fourth.arxiv_id].author_names == ["Only One", "And Two"]
        assert papers[fourth.arxiv_id].comments == "second pass"
        lab = session.scalar(select(Organization).where(Organization.name == "lab"))
        assert lab is not None and (lab.full_name, lab.avatar_url) == (
            "The Lab",
            "https://img/2.png",
        )
        assert papers["2601.00002"].title == "Org paper two"
        days = session.scalars(
            select(DailyEntry.day).join(DailyEntry.paper).where(Paper.arxiv_id == second.arxiv_id)
        ).all()
        assert sorted(days) == sorted({second.listed_on, DAY})
        names = session.scalars(select(Author.name)).all()
        assert len(names) == len(set(names))
        assert names.count("Only One") == 1


@pytest.mark.parametrize("batch_size", [1, 1000])
def test_importing_again_changes_nothing(
    engine: Engine, shared_data: Path, batch_size: int
) -> None:
    path = shared_data / "arxiv-snapshot-sample-200.jsonl"
    first = import_records(engine, SnapshotReader(path, SnapshotFilter(daily=True)))
    assert (first.created, first.listed) == (200, 200)
    with unit_of_work(engine) as session:
        before = _dump(session)
    again = import_records(
        engine, SnapshotReader(path, SnapshotFilter(daily=True)), batch_size=batch_size
    )
    assert (again.created, again.updated, again.unchanged, again.listed) == (0, 0, 200, 0)
    with unit_of_work(engine) as session:
        assert _dump(session) == before


def test_the_keyword_index_sees_each_new_paper_with_its_authors(
    engine: Engine, shared_data: Path
) -> None:
    """Papers and their author links are written so that the index triggers see both."""
    from dailypapers.search.service import search_papers

    path = shared_data / "arxiv-snapshot-sample-200.jsonl"
    import_records(engine, SnapshotReader(path), batch_size=50)
    with unit_of_work(engine) as session:
        for author, key in (("Theran", "0704.0002"), ("Yuan", "0704.0001")):  # not in abstracts
            found = search_papers(session, query=author, mode="keyword", highlight=False)
            assert key in [hit.card.key for hit in found.hits], author
