"""Read the site's version: one primary-key lookup, cheap enough for every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, Row, select
from sqlalchemy.orm import Session

from dailypapers.changes.models import SiteVersion

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Version:
    number: int
    changed_at: datetime


_QUERY = select(SiteVersion.version, SiteVersion.changed_at).where(SiteVersion.id == 1)


def current_version(session: Session) -> Version:
    """The committed version as this session sees it (0 before anything was written)."""
    return _version(session.execute(_QUERY).first())


def read_version(engine: Engine) -> Version:
    """The same on a connection of its own: lighter than a session, for every request."""
    with engine.connect() as conn:
        return _version(conn.execute(_QUERY).first())


def _version(row: Row[int, datetime] | None) -> Version:
    if row is None:
        return Version(0, _EPOCH)
    return Version(int(row[0]), row[1])
