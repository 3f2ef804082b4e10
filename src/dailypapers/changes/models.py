"""`site_version`: one row whose `version` database triggers bump on every listed change.

The triggers (migration 0003) fire on inserts, updates and deletes of the tables that lists,
feeds and the API show, whoever writes them: a web process, the CLI, a job or raw SQL. A cached
answer keyed by the version is therefore stale exactly when the version moved, in any process.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db.base import Base, UTCDateTime, utcnow

# The tables whose writes move the version; the migration installs a trigger on each.
WATCHED_TABLES = (
    "papers",
    "paper_authors",
    "organizations",
    "daily_entries",
    "upvotes",
    "comments",
    "users",
    "embeddings",
)


class SiteVersion(Base):
    __tablename__ = "site_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
