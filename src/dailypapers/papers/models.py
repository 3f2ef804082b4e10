"""The catalogue's tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dailypapers.db.base import Base, UTCDateTime, utcnow


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    full_name: Mapped[str] = mapped_column(String(300))
    avatar_url: Mapped[str | None] = mapped_column(String(1000))


class Author(Base):
    """One row per spelling of a name."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)


class Paper(Base):
    __tablename__ = "papers"
    __table_args__ = (
        Index("ix_papers_published_at", "published_at"),
        Index("ix_papers_organization_id", "organization_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public id: the arXiv id when known, else a stable id derived from the title.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    arxiv_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    arxiv_version: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    primary_category: Mapped[str | None] = mapped_column(String(64))
    comments: Mapped[str | None] = mapped_column(Text)
    journal_ref: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(String(300))
    license: Mapped[str | None] = mapped_column(String(300))
    arxiv_url: Mapped[str | None] = mapped_column(String(1000))
    pdf_url: Mapped[str | None] = mapped_column(String(1000))
    code_url: Mapped[str | None] = mapped_column(String(1000))
    github_stars: Mapped[int | None] = mapped_column(Integer)
    project_url: Mapped[str | None] = mapped_column(String(1000))
    num_authors: Mapped[int | None] = mapped_column(Integer)  # when the names are unknown
    base_upvotes: Mapped[int] = mapped_column(Integer, default=0)  # counted by a source
    ai_summary: Mapped[str | None] = mapped_column(Text)
    ai_keywords: Mapped[list[str] | None] = mapped_column(JSON)
    media_url: Mapped[str | None] = mapped_column(String(1000))  # the source's own image
    thumbnail: Mapped[str | None] = mapped_column(String(64))  # key of the rendered page
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization | None] = relationship(lazy="joined")
    author_links: Mapped[list[PaperAuthor]] = relationship(
        order_by="PaperAuthor.position",
        cascade="all, delete-orphan",
        back_populates="paper",
    )

    @property
    def author_names(self) -> list[str]:
        return [link.author.name for link in self.author_links]


class PaperAuthor(Base):
    """The ordered link between a paper and its authors."""

    __tablename__ = "paper_authors"
    __table_args__ = (Index("ix_paper_authors_author_id", "author_id"),)

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"))

    paper: Mapped[Paper] = relationship(back_populates="author_links")
    author: Mapped[Author] = relationship(lazy="joined")


class DailyEntry(Base):
    """A paper listed on one day, by an import or by a user's submission."""

    __tablename__ = "daily_entries"
    __table_args__ = (
        UniqueConstraint("paper_id", "day"),
        Index("ix_daily_entries_day", "day"),
        CheckConstraint("source in ('import', 'user')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16), default="import")
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A submitter known only by name, e.g. a Hugging Face user from an imported list.
    submitter_name: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    paper: Mapped[Paper] = relationship()
