"""The one settings class. Built by `get_settings()`, never at import time."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "DAILYPAPERS_"
DEFAULT_SERVED_URL = "http://127.0.0.1:8000"
MIN_SECRET_LENGTH = 32  # characters of a production SECRET_KEY


class InsecureSettingsError(RuntimeError):
    """Raised when production mode runs with development defaults."""


class Settings(BaseSettings):
    """Every setting is an environment variable `DAILYPAPERS_<NAME>` (documented in README)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    env: Literal["development", "production", "test"] = Field(
        "development", description="`production` refuses insecure defaults."
    )
    data_dir: Path = Field(Path("var"), description="Folder for the SQLite file and secrets.")
    database_url: str = Field(
        "", description="SQLAlchemy URL; default `sqlite:///<DATA_DIR>/dailypapers.db`."
    )
    database_replica_urls: str = Field(
        "", description="Comma-separated PostgreSQL replica URLs that serve reads."
    )
    replica_max_lag_seconds: float = Field(
        5.0, gt=0, description="A replica further behind than this is skipped."
    )
    secret_key: str = Field(
        "", description="Signs sessions and tokens; generated and kept in development."
    )
    base_url: str = Field(
        "", description="Public URL of the site; unset: taken from each request (development)."
    )
    served_url: str = Field(
        "", description="Set by `serve` from --host/--port: the base URL of mails when unset."
    )
    smtp_url: str = Field(
        "", description="Outgoing mail server; unset: the local development mailbox."
    )
    mail_from: str = Field("dailypapers <papers@localhost>", description="Sender of emails.")
    arxiv_api_url: str = Field(
        "https://export.arxiv.org/api/query", description="arXiv query API endpoint."
    )
    arxiv_oai_url: str = Field(
        "https://oaipmh.arxiv.org/oai", description="arXiv OAI-PMH endpoint."
    )
    arxiv_pdf_url: str = Field(
        "https://arxiv.org/pdf/{arxiv_id}", description="Where an arXiv paper's PDF is fetched."
    )
    arxiv_delay_seconds: float = Field(3.0, description="Pause between arXiv requests.")
    arxiv_categories: str = Field(
        "cs.CL,cs.CV,cs.AI,cs.LG", description="Categories the worker fetches daily."
    )
    arxiv_fetch_schedule: str = Field(
        "daily 01:30", description="When the worker fetches new papers: 'daily HH:MM' (UTC)."
    )
    arxiv_fetch_days: int = Field(3, ge=1, description="Days back each daily fetch asks for.")
    arxiv_fetch_max: int = Field(2000, ge=1, description="Most papers a category per fetch.")
    worker_poll_seconds: float = Field(15.0, gt=0, description="How often the worker looks.")
    worker_retry_minutes: float = Field(
        30.0, ge=0, description="Pause before a failed job run is tried again."
    )
    page_size: int = Field(100, description="Papers shown on one list page.")
    trending_gravity: float = Field(1.5, ge=0, description="Age exponent of the trending score.")
    trending_age_offset_hours: float = Field(
        2.0, gt=0, description="Hours added to a paper's age in the trending score."
    )
    trending_stars_weight: float = Field(
        1.0, ge=0, description="Weight of log2(1 + GitHub stars) in the trending score."
    )
    digest_size: int = Field(10, ge=1, description="Papers in one digest.")
    for_you_window_days: int = Field(
        14, ge=1, description="How far back (days) For-you recommendations look."
    )
    digest_daily_days: str = Field(
        "mon,tue,wed,thu,fri", description="Weekdays on which daily digests go out."
    )
    digest_weekly_day: str = Field("mon", description="Weekday on which weekly digests go out.")
    digest_send_empty: bool = Field(False, description="Send digests that have no papers.")
    digest_send_schedule: str = Field(
        "daily 07:00", description="When the worker sends the day's digests (UTC)."
    )
    digest_deliver_schedule: str = Field(
        "every 5m", description="How often the worker sends what waits in the outbox."
    )
    smtp_timeout_seconds: float = Field(30.0, gt=0, description="SMTP socket timeout.")
    smtp_max_attempts: int = Field(6, ge=1, description="Tries of a temporarily failing email.")
    smtp_retry_seconds: float = Field(
        60.0, ge=0, description="First retry delay; doubles with each attempt."
    )
    max_submissions_per_day: int = Field(
        5, ge=1, description="Papers one user may submit a day (admins are exempt)."
    )
    max_request_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body accepted; larger ones get 413."
    )
    password_reset_minutes: int = Field(
        60, ge=1, description="How long a password reset link stays valid."
    )
    public_max_age_seconds: int = Field(
        60, ge=0, description="max-age of anonymous API and feed answers (0: not public)."
    )
    vote_grace_seconds: float = Field(
        0,
        ge=0,
        le=300,
        description=(
            "How long an anonymous request may get a cached answer rendered before the "
            "latest votes (0: always exact)."
        ),
    )
    node_cache_mb: int = Field(
        256,
        ge=0,
        description=(
            "Rendered answers the processes of `serve --workers N` share on disk, in MB "
            "(0: each process keeps only its own)."
        ),
    )
    node_cache_dir: str = Field(
        "",
        description=(
            "Set by `serve --workers N` (N > 1) for its processes: the folder of their "
            "shared answers, made and removed by `serve`."
        ),
    )
    max_requests_in_flight: int = Field(
        8, ge=1, description="Requests a web process runs at once; the rest wait in line."
    )
    request_queue_seconds: float = Field(
        10.0, gt=0, description="Longest wait in that line before a 503 (the node is saturated)."
    )
    log_level: str = Field("INFO", description="Python logging level.")
    embedder: Literal["onnx-int8", "onnx", "torch", "none"] = Field(
        "onnx-int8", description="How papers and queries are embedded; `none` disables it."
    )
    embed_schedule: str = Field(
        "every 1m", description="How often the worker embeds new and changed papers."
    )
    thumbnail_schedule: str = Field(
        "every 5m", description="How often the worker renders first pages of new PDFs."
    )

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'dailypapers.db'}"
        if self.env == "production":
            _require_strong_secret(self.secret_key)
        if not self.secret_key:
            self.secret_key = _development_secret(self.data_dir)
        if self.env == "production" and not self.base_url:
            raise InsecureSettingsError(
                f"{ENV_PREFIX}BASE_URL must be set when {ENV_PREFIX}ENV=production"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def mail_base_url(self) -> str:
        """The site's address in mails and other text composed outside a request."""
        return (self.base_url or self.served_url or DEFAULT_SERVED_URL).rstrip("/")

    @property
    def uses_mailbox(self) -> bool:
        """No SMTP server outside production: mail goes to the local mailbox (`/admin/mail`)."""
        return not self.smtp_url and self.env != "production"


def _require_strong_secret(key: str) -> None:
    if not key:
        raise InsecureSettingsError(
            f"{ENV_PREFIX}SECRET_KEY must be set when {ENV_PREFIX}ENV=production"
        )
    if len(key) < MIN_SECRET_LENGTH:
        raise InsecureSettingsError(
            f"{ENV_PREFIX}SECRET_KEY has {len(key)} characters; production needs at least "
            f"{MIN_SECRET_LENGTH} (make one: python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')"
        )


def _development_secret(data_dir: Path) -> str:
    """A random key kept in DATA_DIR so development sessions survive restarts.

    The file is created owner-only (0600) in one step: it is never readable by others,
    not even between its creation and a later chmod; O_EXCL loses no race to a second process.
    """
    path = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
