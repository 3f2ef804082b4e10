"""The daily-papers page importer, on the real shared page and on malformed pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.demo import DEMO_DATE, DEMO_PAGE, load_demo
from dailypapers.ingest.page import PageFormatError, parse_page, read_page
from dailypapers.ingest.summary import load_records
from dailypapers.papers.models import DailyEntry, Organization, Paper
from dailypapers.stats import table_counts

PAGE_DATE = date(2026, 2, 19)


@pytest.fixture(scope="module")
def shared_page(shared_data: Path) -> Path:
    return shared_data / "daily_papers_page.txt"


def test_all_54_papers_with_their_metadata(shared_page: Path) -> None:
    records = read_page(shared_page, listed_on=PAGE_DATE)
    titles = [r.title for r in records]
    assert len(records) == 54
    assert len(set(titles)) == 54
    assert titles[0].startswith("TokenFlow: Unified Image Tokenizer")
    assert titles[-1].startswith("WeDLM: Reconciling Diffusion Language Models")
    by_prefix = {r.title.split(":")[0]: r for r in records}
    tokenflow = by_prefix["TokenFlow"]
    assert (tokenflow.num_authors, tokenflow.base_upvotes) == (10, 3)
    assert tokenflow.published_at is not None and tokenflow.published_at.date() == date(2024, 12, 4)
    privasis = by_prefix["Privasis"]
    assert privasis.organization is not None and privasis.organization.full_name == "NVIDIA"
    # "Feb 3" without a year on a page of Feb 19, 2026 is Feb 3, 2026.
    assert privasis.published_at is not None and privasis.published_at.date() == date(2026, 2, 3)
    assert by_prefix["AToken"].base_upvotes == 10
    for bare in ("ResTok", "DivPrune", "FASA", "RePro"):
        assert by_prefix[bare].published_at is None and by_prefix[bare].num_authors is None
    orgs = {r.organization.full_name for r in records if r.organization}
    assert orgs == {"NVIDIA", "MiniMax"}


def test_text_is_cleaned_and_links_extracted(shared_page: Path) -> None:
    records = read_page(shared_page, listed_on=PAGE_DATE)
    for record in records:
        assert "<span" not in record.abstract and "\\%" not in record.abstract
        assert "{https://" not in record.abstract
    by_prefix = {r.title.split(":")[0]: r for r in records}
    assert "7.2% average improvement" in by_prefix["TokenFlow"].abstract
    assert by_prefix["CoIn"].code_url == "https://github.com/CASE-Lab-UMD/LLM-Auditing-CoIn"
    assert any(r.project_url and "github.io" in r.project_url for r in records)
    text = " ".join(r.abstract for r in records)
    assert "times1.5" not in text and "sim400M" not in text
    assert "×1.5" in text and "~400M" in text
    assert "requiring just 2GB memory" in text


def test_year_rolls_back_when_the_date_would_be_after_the_page() -> None:
    page = "Title\n\nAbstract.\n\n  • 2 authors\n·\nDec 30 4\n"
    (record,) = parse_page(page, listed_on=date(2026, 2, 19))
    assert record.published_at is not None and record.published_at.date() == date(2025, 12, 30)


@pytest.mark.parametrize(
    ("page", "line", "reason"),
    [
        ("Title\n\nAbstract\n\n  • 2 authors\n·\nFeb 31, 2025 3\n", 7, "invalid date"),
        ("Title\n\nAbstract\n\n  • 2 authors\n·\nFoo 3, 2025\n", 7, "unknown month"),
        ("Title\n\n  • 2 authors\n·\nFeb 3, 2025\n", 1, "has no abstract"),
        ("Title\n\nAbstract\n\n• lots of authors\n·\nFeb 3, 2025\n", 5, "unexpected metadata"),
        ("", 1, "no papers"),
    ],
)
def test_malformed_pages_name_the_line(page: str, line: int, reason: str) -> None:
    with pytest.raises(PageFormatError) as caught:
        parse_page(page, listed_on=PAGE_DATE)
    assert caught.value.line == line
    assert reason in str(caught.value)
    assert f"line {line}" in str(caught.value)


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(b"Title\n\nAbstract \xff\xfe broken\n")
    with pytest.raises(PageFormatError, match="line 3: not UTF-8"):
        read_page(path, listed_on=PAGE_DATE)


def test_importing_twice_changes_nothing(engine: Engine, shared_page: Path) -> None:
    for _ in range(2):
        with unit_of_work(engine) as session:
            load_records(session, read_page(shared_page, listed_on=PAGE_DATE))
    with unit_of_work(engine) as session:
        counts = table_counts(session)
        assert counts["papers"] == 54 and counts["daily_entries"] == 54
        assert counts["organizations"] == 2
        assert session.scalar(select(func.count()).where(DailyEntry.day == PAGE_DATE)) == 54
        nvidia = session.scalar(select(Organization).where(Organization.name == "nvidia"))
        assert nvidia is not None and nvidia.full_name == "NVIDIA"


def test_demo_is_the_shipped_copy_of_the_page(engine: Engine, shared_page: Path) -> None:
    assert DEMO_PAGE.read_text() == shared_page.read_text()
    with unit_of_work(engine) as session:
        summary = load_demo(session)
    assert (summary.created, summary.listed) == (54, 54)
    with unit_of_work(engine) as session:
        days = set(session.scalars(select(DailyEntry.day)))
        assert days == {DEMO_DATE}
        keys = list(session.scalars(select(Paper.key)))
        assert not any(k.startswith("dp-") for k in keys) and len(set(keys)) == 54
