"""`site_version` and `vote_versions`: counters that database triggers bump on every change.

The triggers (migrations 0003 and 0010) fire on inserts, updates and deletes of the tables
that lists, feeds and the API show, whoever writes them: a web process, the CLI, a job or raw
SQL. A vote (an insert or delete in `upvotes`) moves only the `vote_versions` of its scopes:
`votes` (any vote), `paper:KEY` and `day:YYYY-MM-DD` for each day the paper is listed on;
every other change moves `site_version`. A cached answer keyed by the versions it depends on
is therefore stale exactly when one of them moved, in any process.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dailypapers.db.base import Base, UTCDateTime, utcnow

# The tables whose writes move the site version (votes: their inserts and deletes move the
# vote versions instead; an update or a TRUNCATE of `upvotes` still moves the site version).
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


class VoteVersion(Base):
    """One counter per scope of votes: `votes`, `paper:KEY`, `day:YYYY-MM-DD` (migration 0010)."""

    __tablename__ = "vote_versions"

    scope: Mapped[str] = mapped_column(String(160), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
