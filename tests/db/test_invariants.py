"""The database itself refuses what the domain forbids."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from dailypapers.accounts.models import User
from dailypapers.community.models import Upvote
from dailypapers.db.engine import unit_of_work
from dailypapers.papers.models import DailyEntry, Paper


def _paper_and_user(engine: Engine) -> tuple[int, int]:
    with unit_of_work(engine) as session:
        paper = Paper(key="2501.00001", arxiv_id="2501.00001", title="A paper")
        user = User(email="a@example.org", username="a", password_hash="x")
        session.add_all([paper, user])
        session.flush()
        return paper.id, user.id


def test_one_vote_per_user_and_paper(engine: Engine) -> None:
    paper_id, user_id = _paper_and_user(engine)
    with unit_of_work(engine) as session:
        session.add(Upvote(user_id=user_id, paper_id=paper_id))
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        session.add(Upvote(user_id=user_id, paper_id=paper_id))


def test_one_paper_per_arxiv_id(engine: Engine) -> None:
    _paper_and_user(engine)
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        session.add(Paper(key="other", arxiv_id="2501.00001", title="Again"))


def test_one_daily_entry_per_paper_and_day(engine: Engine) -> None:
    paper_id, _ = _paper_and_user(engine)
    with unit_of_work(engine) as session:
        session.add(DailyEntry(paper_id=paper_id, day=date(2026, 2, 19)))
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        session.add(DailyEntry(paper_id=paper_id, day=date(2026, 2, 19)))
