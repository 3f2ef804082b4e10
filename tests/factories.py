"""Small real rows for tests: a paper, a user, a listing. Defaults are unique per call."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.ingest.load import load_paper
from dailypapers.ingest.records import OrganizationRecord, PaperRecord
from dailypapers.papers.models import Paper

_numbers = itertools.count(1)


def make_paper(
    session: Session,
    *,
    title: str | None = None,
    listed_on: date | None = None,
    organization: str | None = None,
    **fields: Any,
) -> Paper:
    n = next(_numbers)
    fields.setdefault("arxiv_id", f"2601.{n:05d}")
    fields.setdefault("abstract", f"Abstract of paper number {n}.")
    fields.setdefault("authors", [f"Author {n}A", f"Author {n}B"])
    fields.setdefault("published_at", datetime(2026, 1, 1, tzinfo=UTC))
    record = PaperRecord(
        title=title or f"Paper number {n}",
        listed_on=listed_on,
        organization=OrganizationRecord(organization, organization) if organization else None,
        **fields,
    )
    return load_paper(session, record).paper


def make_user(
    session: Session, *, username: str | None = None, role: str = "user", verified: bool = True
) -> User:
    """A user whose address is confirmed (unless `verified=False`)."""
    n = next(_numbers)
    name = username or f"user{n}"
    user = User(
        email=f"{name}@example.org",
        username=name,
        password_hash="not-a-hash",
        role=role,
        email_verified_at=datetime.now(UTC) if verified else None,
    )
    session.add(user)
    session.flush()
    return user
