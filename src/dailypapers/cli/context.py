"""What every command needs: the settings and an engine, built when the command runs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from sqlalchemy import Engine

from dailypapers.db.engine import make_engine
from dailypapers.logs import install_redaction
from dailypapers.settings import Settings, get_settings

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def settings() -> Settings:
    current = get_settings()
    logging.basicConfig(level=current.log_level, format="%(asctime)s %(levelname)s %(message)s")
    install_redaction(current)
    return current


@contextmanager
def database() -> Iterator[Engine]:
    """The engine of the configured database, disposed when the command ends."""
    engine = make_engine(settings().database_url)
    try:
        yield engine
    finally:
        engine.dispose()
