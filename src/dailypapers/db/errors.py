"""Telling a database that is down, read-only or full from a bug, and saying which."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

_UNWRITABLE = ("readonly database", "read-only", "disk is full", "disk i/o error")


def is_unavailable(exc: BaseException) -> bool:
    """A connection- or storage-level failure, not a mistake in a query."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def unavailable_message(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)).lower()
    if any(marker in text for marker in _UNWRITABLE):
        return "The database cannot be written right now (read-only or full disk)."
    return "The database is unavailable right now (it may be restarting)."
