"""The demo corpus shipped with the package: a daily-papers page of 54 real papers.

The page gives titles, abstracts, organizations, dates and upvotes; `demo_papers.tsv` adds
what the page leaves out (arXiv ids, authors and, where known, categories), one line per
paper in page order, so that the demo has arXiv and PDF links, author pages and BibTeX. The
page's upvotes, organizations and dates are kept exactly as it shows them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from dailypapers.ingest.normalize import normalize_author_name
from dailypapers.ingest.page import read_page
from dailypapers.ingest.records import PaperRecord
from dailypapers.ingest.summary import ImportSummary, load_records

DATA = Path(__file__).with_name("data")
DEMO_PAGE = DATA / "daily_papers_page.txt"
DEMO_FACTS = DATA / "demo_papers.tsv"
DEMO_DATE = date(2026, 2, 19)


@dataclass(frozen=True, slots=True)
class PaperFacts:
    arxiv_id: str
    title: str
    authors: list[str]
    categories: list[str]


def demo_facts(path: Path = DEMO_FACTS) -> list[PaperFacts]:
    """The rows of `demo_papers.tsv` (comment lines start with #), in page order."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return [
            PaperFacts(
                arxiv_id=row["arxiv_id"].strip(),
                title=row["title"],
                authors=[a.strip() for a in row["authors"].split(",") if a.strip()],
                categories=row["categories"].split(),
            )
            for row in csv.DictReader(lines, delimiter="\t")
        ]


def _same_title(a: str, b: str) -> bool:
    def words(text: str) -> str:
        return re.sub(r"\W+", "", text).casefold()

    return words(a) == words(b)


def complete(records: list[PaperRecord], facts: list[PaperFacts]) -> list[PaperRecord]:
    """Give each record its id, authors and categories; a title that does not match its row
    is an error (the two files went out of step), not a paper with another paper's facts."""
    if len(records) != len(facts):
        raise ValueError(f"demo: {len(records)} papers on the page, {len(facts)} in {DEMO_FACTS}")
    for record, fact in zip(records, facts, strict=True):
        if not _same_title(record.title, fact.title):
            raise ValueError(f"demo: {record.title!r} does not match {fact.title!r}")
        record.arxiv_id = fact.arxiv_id or None
        if fact.authors:
            record.authors = [normalize_author_name(name) for name in fact.authors]
        if fact.categories:
            record.categories = fact.categories
            record.primary_category = fact.categories[0]
    return records


def demo_records() -> list[PaperRecord]:
    return complete(read_page(DEMO_PAGE, listed_on=DEMO_DATE), demo_facts())


def load_demo(session: Session) -> ImportSummary:
    return load_records(session, demo_records())
