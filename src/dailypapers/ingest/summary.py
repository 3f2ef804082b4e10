"""Loading a batch of records and counting what happened."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from dailypapers.ingest.load import Outcome, load_paper
from dailypapers.ingest.records import PaperRecord


@dataclass(slots=True)
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0
    listed: int = 0
    skipped: int = 0  # left out by a filter (--categories, --since)
    rejected: list[str] = field(default_factory=list)  # "line 12: reason"

    def count(self, outcome: Outcome) -> None:
        """Add one paper's outcome to the tally."""
        match outcome:
            case Outcome.CREATED:
                self.created += 1
            case Outcome.UPDATED:
                self.updated += 1
            case Outcome.UNCHANGED:
                self.unchanged += 1
            case Outcome.OLDER:
                self.older += 1

    @property
    def seen(self) -> int:
        return self.created + self.updated + self.unchanged + self.older

    def as_dict(self) -> dict[str, int | list[str]]:
        return {
            "seen": self.seen,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "older": self.older,
            "listed": self.listed,
            "skipped": self.skipped,
            "rejected": self.rejected,
        }

    def add(self, other: ImportSummary) -> None:
        """Add the counts of `other` (e.g. one batch) to these."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.older += other.older
        self.listed += other.listed
        self.skipped += other.skipped
        self.rejected.extend(other.rejected)


def load_records(session: Session, records: Iterable[PaperRecord]) -> ImportSummary:
    """Load every record in the caller's transaction."""
    summary = ImportSummary()
    for record in records:
        result = load_paper(session, record)
        summary.count(result.outcome)
        summary.listed += result.listed
    return summary
