"""The site version (votes: their counters) moves on every write to a listed table, from any
connection, and only then."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, text

from dailypapers.changes.version import ALL_VOTES, current_stamp
from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.demo import load_demo
from tests.factories import make_paper, make_user


def _version(engine: Engine) -> tuple[int, int]:
    """The site version and the all-votes counter."""
    with unit_of_work(engine) as session:
        stamp = current_stamp(session, ALL_VOTES)
        return stamp.site, stamp.votes


def test_orm_writes_bump_and_reads_do_not(engine: Engine) -> None:
    start = _version(engine)
    with unit_of_work(engine) as session:
        load_demo(session)
    after_load = _version(engine)
    assert after_load > start
    with unit_of_work(engine) as session:
        session.execute(text("SELECT count(*) FROM papers")).scalar()
    assert _version(engine) == after_load


def test_raw_sql_on_every_watched_table_bumps(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        paper = make_paper(session, listed_on=date(2026, 2, 19), organization="acme")
        user = make_user(session)
        ids = {"paper": paper.id, "user": user.id}
    statements = [
        "UPDATE papers SET title = 'changed' WHERE id = :paper",
        "DELETE FROM paper_authors WHERE paper_id = :paper AND position = 1",
        "UPDATE organizations SET full_name = 'ACME Inc.'",
        "UPDATE daily_entries SET submitter_name = 'someone' WHERE paper_id = :paper",
        "INSERT INTO upvotes (user_id, paper_id, created_at) "
        "VALUES (:user, :paper, CURRENT_TIMESTAMP)",
        "INSERT INTO comments (paper_id, user_id, body, hidden, created_at) "
        "VALUES (:paper, :user, 'hi', false, CURRENT_TIMESTAMP)",
        "UPDATE users SET fullname = 'Someone' WHERE id = :user",
        "INSERT INTO embeddings (paper_id, model, text_hash, dim, vector, created_at) "
        "VALUES (:paper, 'm', 'h', 1, :blob, CURRENT_TIMESTAMP)",
        "DELETE FROM upvotes",
    ]
    for statement in statements:
        before = _version(engine)
        with engine.begin() as conn:
            conn.execute(text(statement), {**ids, "blob": b"\0\0\0\0"})
        assert _version(engine) > before, statement


def test_an_uncommitted_write_is_not_seen(engine: Engine) -> None:
    before = _version(engine)
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(text("UPDATE organizations SET full_name = 'x'"))
        conn.execute(text("INSERT INTO authors (name) VALUES ('Nobody')"))
        conn.execute(text("UPDATE papers SET title = title"))
        assert _version(engine) == before
        trans.rollback()
    assert _version(engine) == before


def test_a_long_transaction_does_not_hold_up_other_writers(engine: Engine) -> None:
    """PostgreSQL bumps the version at commit: an open import does not block a vote."""
    if engine.dialect.name != "postgresql":
        return  # SQLite has one writer at a time whatever the triggers do
    with unit_of_work(engine) as session:
        paper = make_paper(session, listed_on=date(2026, 2, 19))
        user = make_user(session)
        ids = {"paper": paper.id, "user": user.id}
    before = _version(engine)
    with engine.connect() as long_one:
        trans = long_one.begin()
        long_one.execute(text("UPDATE papers SET title = title || '!'"))
        long_one.execute(text("UPDATE daily_entries SET submitter_name = 'importer'"))
        with engine.begin() as vote:
            vote.execute(text("SET LOCAL lock_timeout = '3s'"))
            vote.execute(
                text(
                    "INSERT INTO upvotes (user_id, paper_id, created_at) "
                    "VALUES (:user, :paper, CURRENT_TIMESTAMP)"
                ),
                ids,
            )
        assert _version(engine) == (before[0], before[1] + 1)  # the vote's counters
        trans.commit()
    assert _version(engine) == (before[0] + 1, before[1] + 1)  # one bump a transaction
