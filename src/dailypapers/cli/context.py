"""What every command needs: the settings and an engine, built when the command runs.

The settings are built once per invocation (by the root callback in `main`) and every
command reads that one object; a caller may hand its own `Settings` as the invocation's
`obj` (`CliRunner().invoke(app, args, obj=settings)`), and nothing is cached across
invocations, so a changed environment is read by the next command.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from sqlalchemy import Engine

from dailypapers.db.engine import make_engine
from dailypapers.logs import install_redaction
from dailypapers.settings import Settings

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
_invocation: dict[str, Settings] = {}


def begin(given: object = None) -> None:
    """A new invocation: use `given` when it is a `Settings`, else build them on first use."""
    _invocation.clear()
    if isinstance(given, Settings):
        _invocation["settings"] = _configured(given)


def settings() -> Settings:
    """The settings of this invocation."""
    if "settings" not in _invocation:
        _invocation["settings"] = _configured(Settings())
    return _invocation["settings"]


def _configured(current: Settings) -> Settings:
    logging.basicConfig(level=current.log_level, format="%(asctime)s %(levelname)s %(message)s")
    install_redaction(current)
    return current


@contextmanager
def database() -> Iterator[Engine]:
    """The engine of the configured database, disposed when the command ends."""
    current = settings()
    engine = make_engine(current.database_url, data_dir=current.data_dir)
    try:
        yield engine
    finally:
        engine.dispose()
