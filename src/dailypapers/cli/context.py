"""What every command needs: the settings and an engine, built when the command runs."""

from __future__ import annotations

import logging

from rich.console import Console
from sqlalchemy import Engine

from dailypapers.db.engine import make_engine
from dailypapers.settings import Settings, get_settings

console = Console()
err_console = Console(stderr=True)


def settings() -> Settings:
    current = get_settings()
    logging.basicConfig(level=current.log_level, format="%(asctime)s %(levelname)s %(message)s")
    return current


def engine() -> Engine:
    return make_engine(settings().database_url)
