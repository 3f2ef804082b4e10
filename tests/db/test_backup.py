"""Backups round-trip on both backends; a SQLite site copies to PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select, text

from dailypapers.accounts.models import User
from dailypapers.community.models import Comment, Upvote
from dailypapers.db import migrate
from dailypapers.db.backup import BackupError, backup, copy_database, restore
from dailypapers.db.engine import make_engine, unit_of_work
from dailypapers.papers.models import Paper
from dailypapers.stats import table_counts
from tests.conftest import _database_url
from tests.factories import make_paper, make_user


def _fill(engine: Engine) -> dict[str, int]:
    with unit_of_work(engine) as session:
        user = make_user(session, username="keeper")
        for n in range(5):
            paper = make_paper(session, title=f"Kept paper {n}", listed_on=date(2026, 2, 19))
            session.add(Upvote(user_id=user.id, paper_id=paper.id))
        session.add(Comment(paper_id=paper.id, user_id=user.id, body="a comment"))
    with unit_of_work(engine) as session:
        return table_counts(session)


def _planned_papers(engine: Engine) -> float:
    """PostgreSQL: the papers the planner believes there are (-1: never analyzed).
    SQLite: the true count, which its planner does not need."""
    with engine.connect() as connection:
        if engine.dialect.name != "postgresql":
            return float(connection.scalar(text("SELECT count(*) FROM papers")) or 0)
        return float(
            connection.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'papers'"))
        )


def test_backup_and_restore_round_trip(engine: Engine, tmp_path: Path) -> None:
    before = _fill(engine)
    file = tmp_path / "site.backup"
    backup(engine, file)
    assert file.stat().st_size > 0
    with unit_of_work(engine) as session:
        session.execute(Paper.__table__.delete())
        session.execute(User.__table__.delete())
    with unit_of_work(engine) as session:
        assert table_counts(session)["papers"] == 0
    restore(engine, file)
    assert _planned_papers(engine) == before["papers"]
    with unit_of_work(engine) as session:
        assert table_counts(session) == before
        assert session.scalar(select(User.username)) == "keeper"
    assert migrate.is_up_to_date(engine)


def test_restore_refuses_what_is_not_a_backup(engine: Engine, tmp_path: Path) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(BackupError):
        restore(engine, junk)
    with pytest.raises(BackupError, match="no such backup file"):
        restore(engine, tmp_path / "missing")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_copy_a_sqlite_site_to_postgresql(engine: Engine, pg_server: str) -> None:
    before = _fill(engine)
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE dp_copy_target"))
    target_url = _database_url(pg_server, "dp_copy_target")
    try:
        counts = copy_database(engine, target_url)
        assert counts["papers"] == 5 and counts["upvotes"] == 5
        target = make_engine(target_url)
        assert _planned_papers(target) == 5  # analyzed: not planned as an empty table
        with unit_of_work(target) as session:
            assert table_counts(session) == before
            titles = set(session.scalars(select(Paper.title)))
            assert titles == {f"Kept paper {n}" for n in range(5)}
            # the sequences moved past the copied ids: a new row gets a fresh id
            new = make_paper(session, title="After the move")
            assert new.id > max(session.scalars(select(Paper.id).where(Paper.id != new.id)))
        with pytest.raises(BackupError, match="already has papers"):
            copy_database(engine, target_url)
        target.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS dp_copy_target WITH (FORCE)"))
        admin.dispose()
