"""The demo corpus shipped with the package: a daily-papers page of 54 real papers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from dailypapers.ingest.page import read_page
from dailypapers.ingest.summary import ImportSummary, load_records

DEMO_PAGE = Path(__file__).with_name("data") / "daily_papers_page.txt"
DEMO_DATE = date(2026, 2, 19)


def load_demo(session: Session) -> ImportSummary:
    return load_records(session, read_page(DEMO_PAGE, listed_on=DEMO_DATE))
