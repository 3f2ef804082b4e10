"""The one settings class. Built by `get_settings()`, never at import time."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "DAILYPAPERS_"


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
    secret_key: str = Field(
        "", description="Signs sessions and tokens; generated and kept in development."
    )
    base_url: str = Field("http://127.0.0.1:8000", description="Public URL of the site.")
    smtp_url: str = Field("smtp://127.0.0.1:25", description="Outgoing mail server.")
    mail_from: str = Field("dailypapers <papers@localhost>", description="Sender of emails.")
    arxiv_api_url: str = Field(
        "https://export.arxiv.org/api/query", description="arXiv query API endpoint."
    )
    arxiv_oai_url: str = Field(
        "https://oaipmh.arxiv.org/oai", description="arXiv OAI-PMH endpoint."
    )
    arxiv_delay_seconds: float = Field(3.0, description="Pause between arXiv requests.")
    arxiv_categories: str = Field(
        "cs.CL,cs.CV,cs.AI,cs.LG", description="Categories the worker fetches daily."
    )
    page_size: int = Field(100, description="Papers shown on one list page.")
    log_level: str = Field("INFO", description="Python logging level.")

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'dailypapers.db'}"
        if not self.secret_key:
            if self.env == "production":
                raise InsecureSettingsError(
                    f"{ENV_PREFIX}SECRET_KEY must be set when {ENV_PREFIX}ENV=production"
                )
            self.secret_key = _development_secret(self.data_dir)
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _development_secret(data_dir: Path) -> str:
    """A random key kept in DATA_DIR so development sessions survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
