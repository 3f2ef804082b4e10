"""Read the site's version: one primary-key lookup, cheap enough for every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.changes.models import SiteVersion

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Version:
    number: int
    changed_at: datetime


def current_version(session: Session) -> Version:
    """The committed version as this session sees it (0 before anything was written)."""
    row = session.execute(
        select(SiteVersion.version, SiteVersion.changed_at).where(SiteVersion.id == 1)
    ).first()
    if row is None:
        return Version(0, _EPOCH)
    return Version(int(row[0]), row[1])
