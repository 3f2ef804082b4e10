"""The same migrations build, tear down and rebuild the schema on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from dailypapers.db import migrate
from dailypapers.db.engine import make_engine
from dailypapers.db.registry import Base


def test_up_down_up(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine)
    assert {"papers", "authors", "daily_entries", "upvotes", "email_outbox"} <= set(
        inspect(engine).get_table_names()
    )
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine)
    engine.dispose()


def test_migrations_match_models(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ignorable = {"remove_table"}  # tables owned by raw SQL (search indexes) are not models
    assert [d for d in diff if not (isinstance(d, tuple) and d[0] in ignorable)] == []
    engine.dispose()
