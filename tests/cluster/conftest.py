"""A PostgreSQL primary with a real streaming replica, and a migrated database on both."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from dailypapers.db import migrate
from dailypapers.db.engine import make_engine
from tests.cluster.replica import StreamingPair, streaming_pair

_numbers = itertools.count()


@pytest.fixture(scope="session")
def replication() -> Iterator[StreamingPair]:
    pair = streaming_pair()
    yield pair
    pair.close()


@pytest.fixture
def replicated_db(replication: StreamingPair) -> Iterator[str]:
    """A fresh migrated database on the primary, replayed on the replica; yields its name."""
    name = f"dp_replicated_{next(_numbers)}"
    admin = create_engine(replication.primary_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine = make_engine(replication.primary_database_url(name))
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    migrate.upgrade(engine)
    engine.dispose()
    replication.wait_replayed(name)
    yield name
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()
