"""Secrets never reach the logs: a live server on a password-protected PostgreSQL, debug logs."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import create_engine, make_url, text

from dailypapers.accounts.reset import reset_token
from dailypapers.accounts.sessions import create_api_token
from dailypapers.db.engine import make_engine, unit_of_work
from dailypapers.logs import MASK, install_redaction
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from tests.factories import make_paper, make_user
from tests.web.helpers import TOKEN

DB_PASSWORD = "pg-Secret-Pass-4711"
SMTP_PASSWORD = "smtp-Secret-Pass-0815"
SECRET_KEY = "the-secret-key-that-signs-everything-42"
USER_PASSWORD = "user password 9371"


@pytest.fixture
def secret_db_url(pg_server: str) -> Iterator[str]:
    """A database owned by a role that logs in with a password."""
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS dp_secrets WITH (FORCE)"))
        conn.execute(text("DROP ROLE IF EXISTS dp_secret_role"))
        conn.execute(text(f"CREATE ROLE dp_secret_role LOGIN SUPERUSER PASSWORD '{DB_PASSWORD}'"))
        conn.execute(text("CREATE DATABASE dp_secrets TEMPLATE dp_template OWNER dp_secret_role"))
    url = make_url(pg_server).set(
        username="dp_secret_role", password=DB_PASSWORD, database="dp_secrets"
    )
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS dp_secrets WITH (FORCE)"))
        conn.execute(text("DROP ROLE IF EXISTS dp_secret_role"))
    admin.dispose()


@pytest.fixture
def secret_settings(secret_db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        database_url=secret_db_url,
        data_dir=tmp_path / "var",
        secret_key=SECRET_KEY,
        smtp_url=f"smtp://mailer:{SMTP_PASSWORD}@127.0.0.1:9",
    )


def _serve(settings: Settings) -> tuple[str, uvicorn.Server, threading.Thread, FastAPI]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_app(settings.model_copy(update={"base_url": base}))
    config = uvicorn.Config(app, log_config=None, access_log=True, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    return base, server, thread, app


def test_secrets_in_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(
        env="test",
        database_url=f"postgresql://app:{DB_PASSWORD}@db.internal/site",
        secret_key=SECRET_KEY,
        smtp_url=f"smtp://mailer:{SMTP_PASSWORD}@mail.internal:587",
    )
    install_redaction(settings)
    log = logging.getLogger("dailypapers.test")
    with caplog.at_level(logging.DEBUG):
        log.info("settings %r", settings)
        log.warning("connect to %s", "postgresql://other:unlisted-pass@elsewhere/db")
        log.info("headers %s", {"authorization": "Bearer dp_abcdefghijklmnopqrstuvwx"})
        log.info("GET /api/x?q=1&token=abc123456789&password=hunter22 200")
        log.info("GET /password/reset/eyJhbGciOi.signed-token 200")
        try:
            raise RuntimeError(f"login failed with password={USER_PASSWORD!r} key {SECRET_KEY}")
        except RuntimeError:
            log.exception("boom")
    text_out = caplog.text
    for secret in [DB_PASSWORD, SMTP_PASSWORD, SECRET_KEY, "unlisted-pass", "dp_abcdefghij"]:
        assert secret not in text_out, secret
    for secret in ["abc123456789", "hunter22", "signed-token", USER_PASSWORD]:
        assert secret not in text_out, secret
    assert text_out.count(MASK) >= 9 and "RuntimeError" in text_out


def test_a_live_server_logs_no_secrets(
    secret_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(secret_settings.database_url)
    with unit_of_work(engine) as session:
        paper = make_paper(session, title="Logged paper")
        user = make_user(session, username="logger")
        api_token = create_api_token(session, user=user, name="t")
        key, reset = paper.key, reset_token(SECRET_KEY, user=user)
    engine.dispose()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # SQL and its parameters
    # An earlier server in this process may have applied uvicorn's logging config, which
    # stops its loggers from propagating to the root logger that caplog listens on.
    access, errors = logging.getLogger("uvicorn.access"), logging.getLogger("uvicorn.error")
    saved = access.propagate, errors.propagate, access.level
    access.propagate = errors.propagate = True
    access.setLevel(logging.INFO)
    base, server, thread, app = _serve(secret_settings)
    try:
        with httpx.Client(base_url=base) as http:
            form = {"csrf_token": _csrf(http), "email": "w@example.org", "username": "writer"}
            assert http.post("/signup", data={**form, "password": USER_PASSWORD}).status_code == 200
            login = {"csrf_token": _csrf(http), "login": "writer", "password": USER_PASSWORD}
            assert http.post("/login", data=login).status_code == 303
            bearer = {"Authorization": f"Bearer {api_token}"}
            assert http.post(f"/api/papers/{key}/upvote", headers=bearer).status_code == 200
            http.get(f"/api/papers/search?q=logged&token={api_token}")
            assert http.get(f"/password/reset/{reset}").status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.deliveries.join()  # the sign-up's email thread uses the engine too
        app.state.engine.dispose()
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
        access.propagate, errors.propagate = saved[0], saved[1]
        access.setLevel(saved[2])
    logged = caplog.text
    assert "POST /login" in logged and "/password/reset/" in logged  # the access log ran
    for secret in [DB_PASSWORD, SMTP_PASSWORD, SECRET_KEY, USER_PASSWORD, api_token, reset]:
        assert secret not in logged


def test_cli_started_with_a_password_url_logs_none(secret_settings: Settings) -> None:
    env = {
        "DAILYPAPERS_DATABASE_URL": secret_settings.database_url,
        "DAILYPAPERS_SMTP_URL": secret_settings.smtp_url,
        "DAILYPAPERS_SECRET_KEY": SECRET_KEY,
        "DAILYPAPERS_LOG_LEVEL": "DEBUG",
        "DAILYPAPERS_ENV": "test",
        "PATH": "/usr/bin:/bin",
    }
    cli = [str(Path(sys.executable).parent / "dailypapers")]
    done = subprocess.run([*cli, "db", "upgrade"], env=env, capture_output=True, text=True)
    bad_url = secret_settings.database_url.replace("dp_secrets", "no_such_db")
    failed = subprocess.run(
        [*cli, "db", "upgrade"],
        env={**env, "DAILYPAPERS_DATABASE_URL": bad_url},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert failed.returncode != 0, failed.stdout + failed.stderr
    assert "no_such_db" in failed.stdout + failed.stderr
    for output in [done.stdout, done.stderr, failed.stdout, failed.stderr]:
        assert DB_PASSWORD not in output and SECRET_KEY not in output


def _csrf(http: httpx.Client) -> str:
    found = TOKEN.search(http.get("/login").text)
    assert found
    return found.group(1)
