"""Settings: documented, built on demand, strict in production."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dailypapers.settings import ENV_PREFIX, InsecureSettingsError, Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    text = README.read_text()
    missing = [
        f"{ENV_PREFIX}{name.upper()}"
        for name in Settings.model_fields
        if f"`{ENV_PREFIX}{name.upper()}`" not in text
    ]
    assert missing == []


def test_production_refuses_a_missing_secret(tmp_path: Path) -> None:
    with pytest.raises(InsecureSettingsError, match="SECRET_KEY"):
        Settings(env="production", data_dir=tmp_path)


def test_production_refuses_a_short_secret(tmp_path: Path) -> None:
    with pytest.raises(InsecureSettingsError, match="at least 32"):
        Settings(env="production", data_dir=tmp_path, secret_key="x" * 31)
    base = "https://papers.example.org"
    assert Settings(env="production", data_dir=tmp_path, secret_key="x" * 32, base_url=base)


def test_development_secret_file_is_private_from_its_creation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No window where the key file is readable by others: no later chmod is relied on."""
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    old_umask = os.umask(0)
    try:
        key = Settings(data_dir=tmp_path).secret_key
    finally:
        os.umask(old_umask)
    path = tmp_path / "secret_key"
    assert path.read_text() == key
    assert path.stat().st_mode & 0o777 == 0o600


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path).secret_key
    assert len(first) > 40
    assert Settings(data_dir=tmp_path).secret_key == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_variables_use_the_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DAILYPAPERS_PAGE_SIZE", "7")
    settings = Settings()
    assert settings.page_size == 7
    assert settings.database_url == f"sqlite:///{tmp_path / 'dailypapers.db'}"
