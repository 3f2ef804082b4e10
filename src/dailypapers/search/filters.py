"""Search filters: published dates, category, organization, code; as SQL conditions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, String, cast, func, or_, select

from dailypapers.papers.models import Organization, Paper

# Every search's first condition. The keyword index holds visible papers only, so it can
# skip this one (recognised by identity) and check only the others.
VISIBLE: ColumnElement[bool] = Paper.hidden.is_(False)


@dataclass(frozen=True, slots=True)
class SearchFilters:
    published_from: date | None = None
    published_to: date | None = None  # inclusive
    category: str | None = None  # an arXiv category, e.g. cs.CL
    organization: str | None = None  # its handle or display name, in any letter case
    has_code: bool | None = None

    def where(self) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = [VISIBLE]
        if self.published_from:
            clauses.append(Paper.published_at >= _start_of(self.published_from))
        if self.published_to and self.published_to < date.max:  # 9999-12-31: no upper bound
            clauses.append(Paper.published_at < _start_of(self.published_to + timedelta(days=1)))
        if self.category:
            # categories is a JSON list of strings; its text holds each one quoted.
            pattern = f'%"{_like(self.category)}"%'
            clauses.append(cast(Paper.categories, String).like(pattern, escape="\\"))
        if self.organization:
            wanted = self.organization.strip().casefold()
            org = select(Organization.id).where(
                or_(
                    func.lower(Organization.name) == wanted,
                    func.lower(Organization.full_name) == wanted,
                )
            )
            clauses.append(Paper.organization_id.in_(org.scalar_subquery()))
        if self.has_code is not None:
            clauses.append(
                Paper.code_url.isnot(None) if self.has_code else Paper.code_url.is_(None)
            )
        return clauses

    @property
    def active(self) -> bool:
        return any(
            v is not None
            for v in (
                self.published_from,
                self.published_to,
                self.category,
                self.organization,
                self.has_code,
            )
        )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _like(value: str) -> str:
    """A category as a LIKE pattern matching only itself (escape character: backslash)."""
    return value.replace("\\", "").replace('"', "").replace("%", "\\%").replace("_", "\\_")
