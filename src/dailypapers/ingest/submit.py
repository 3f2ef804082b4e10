"""Submitting a paper by arXiv id or URL to today's list, with the rules that guard it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.db.base import utcnow
from dailypapers.ingest.load import load_paper
from dailypapers.ingest.records import PaperRecord
from dailypapers.papers.models import DailyEntry, Paper

MAX_AGE_DAYS = 14
_NEW_ID = r"[0-9]{4}\.[0-9]{4,5}"
_OLD_ID = r"[a-z-]+(?:\.[A-Z]{2})?/[0-9]{7}"
_ARXIV_REF_TEXT = (
    r"(?:https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/)?(?:arxiv:)?"
    rf"(?P<id>{_NEW_ID}|{_OLD_ID})(?:v(?P<version>[0-9]+))?(?:\.pdf)?/?"
)
_ARXIV_REF = re.compile(f"^{_ARXIV_REF_TEXT}$", re.IGNORECASE | re.ASCII)


def _any_case(pattern: str) -> str:
    """`pattern` with every ASCII letter as [xX] (outside escapes and groups' names)."""
    pattern = re.sub(r"\(\?P<\w+>", "(?:", pattern)
    return (
        re.sub(
            r"\\.|\[[^\]]*\]|[A-Za-z]",
            lambda m: m[0] if len(m[0]) > 1 else f"[{m[0].lower()}{m[0].upper()}]",
            pattern,
        )
        .replace("[a-z-]", "[a-zA-Z-]")
        .replace("[A-Z]", "[a-zA-Z]")
    )


# The same rule for the API's schema (no flags there): what `parse_arxiv_ref` accepts,
# surrounding white space included (it is stripped).
ARXIV_REF_PATTERN = rf"^\s*{_any_case(_ARXIV_REF_TEXT)}\s*$"

Fetcher = Callable[[str], PaperRecord | None]


class SubmissionError(ValueError):
    """A submission refused, with a message for the user and the HTTP status that fits:
    400 a rule refused it, 404 arXiv has no such paper, 503 arXiv could not be asked."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Submission:
    paper: Paper
    day: date
    fetched: bool  # the paper was not in the database and came from arXiv


def parse_arxiv_ref(text: str) -> str:
    """`2502.12345`, `arXiv:2502.12345v2` or an arxiv.org URL -> `2502.12345`."""
    match = _ARXIV_REF.match(text.strip())
    if match is None:
        raise SubmissionError(
            f"{text.strip()[:100]!r} is not an arXiv id or URL (e.g. 2502.12345 or "
            "https://arxiv.org/abs/2502.12345)."
        )
    return match["id"]


def submissions_today(session: Session, *, user: User, today: date) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                DailyEntry.submitter_id == user.id,
                DailyEntry.day == today,
                DailyEntry.source == "user",
            )
        )
        or 0
    )


def _check_not_listed(session: Session, arxiv_id: str, paper: Paper) -> None:
    listed = session.scalar(select(func.min(DailyEntry.day)).where(DailyEntry.paper_id == paper.id))
    if listed is not None:
        raise SubmissionError(f"{arxiv_id} is already listed (on {listed.isoformat()}).")


def _check_age(arxiv_id: str, published_at: datetime | None, *, user: User, today: date) -> None:
    published = published_at.date() if published_at else None
    if not user.is_admin and published and published < today - timedelta(days=MAX_AGE_DAYS):
        raise SubmissionError(
            f"{arxiv_id} was published on {published.isoformat()}; only papers from the last "
            f"{MAX_AGE_DAYS} days can be submitted."
        )


def submit_paper(
    session: Session,
    *,
    user: User,
    arxiv_ref: str,
    today: date,
    fetch: Fetcher,
    max_per_day: int = 5,
) -> Submission:
    arxiv_id = parse_arxiv_ref(arxiv_ref)
    if not user.is_admin and submissions_today(session, user=user, today=today) >= max_per_day:
        raise SubmissionError(f"You can submit at most {max_per_day} papers a day.")
    paper = session.scalar(select(Paper).where(Paper.arxiv_id == arxiv_id))
    fetched = paper is None
    if paper is None:  # every rule is checked before anything is stored
        record = fetch(arxiv_id)
        if record is None:
            raise SubmissionError(f"arXiv has no paper {arxiv_id}.", status=404)
        _check_age(arxiv_id, record.published_at, user=user, today=today)
        paper = load_paper(session, record).paper
    else:
        _check_not_listed(session, arxiv_id, paper)
        _check_age(arxiv_id, paper.published_at, user=user, today=today)
    session.add(
        DailyEntry(
            paper_id=paper.id, day=today, source="user", submitter_id=user.id, submitted_at=utcnow()
        )
    )
    session.flush()
    return Submission(paper=paper, day=today, fetched=fetched)
