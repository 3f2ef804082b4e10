"""One way to run an ingestion source: normalized records in, a summary and an exit code out.

A source module turns its input (a file, an API, a harvest) into `PaperRecord`s and
`Rejected` items and wraps them in a `Source`; `run_source` loads them in batches with
progress reports, recounts keyword statistics when the catalogue grew, and raises
`SourceError` (carrying the summary of what was loaded before) when the source fails
midway. With `dry_run` the records are loaded in one transaction that is rolled back:
the summary tells what would change, and nothing is written. The `dailypapers import ...`
commands and the worker's jobs call this same function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from dailypapers.db.engine import analyze
from dailypapers.ingest.pipeline import DEFAULT_BATCH_SIZE, import_records
from dailypapers.ingest.records import PaperRecord, Rejected, SourceError
from dailypapers.ingest.summary import ImportSummary, load_records
from dailypapers.papers.models import Paper

# PostgreSQL plans with table statistics that autovacuum gathers some time after the writes.
# An import that created or changed this share of the catalogue analyzes it at once, so
# the statements right after it are not planned for near-empty tables: building the keyword
# index of a fresh 75k import ran about 200 s on such a plan, and about 7 s after an ANALYZE.
ANALYZE_AFTER_SHARE = 0.2
_CATALOGUE = ("papers", "authors", "paper_authors", "daily_entries", "paper_search")

ProgressReport = Callable[[ImportSummary, int | None], None]  # (summary so far, input position)


def _nothing_skipped() -> int:
    return 0


@dataclass(slots=True)
class Source:
    """What a source hands to `run_source`."""

    items: Iterable[PaperRecord | Rejected]
    total: int | None = None  # the input's size, for a progress bar (None: unknown)
    position: Callable[[], int] | None = None  # how far into the input the reading is
    skipped: Callable[[], int] = field(default=_nothing_skipped)  # left out by its filters
    big: bool = False  # keep the keyword index up with it meanwhile (`keyword_follower`)


def run_source(
    engine: Engine,
    source: Source,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    on_progress: ProgressReport | None = None,
) -> ImportSummary:
    """Load `source`, `batch_size` records a transaction (or none at all with `dry_run`)."""
    if dry_run:
        summary = _dry_run(engine, source.items)
    else:
        with _following_keywords(engine, source):
            summary = import_records(
                engine,
                source.items,
                batch_size=batch_size,
                on_batch=_reporter(source, on_progress),
            )
        _analyze_if_grown(engine, summary)
        _refresh_statistics(engine)
    summary.skipped += source.skipped()
    if on_progress is not None:
        on_progress(summary, source.total)
    return summary


def _following_keywords(engine: Engine, source: Source) -> AbstractContextManager[None]:
    """For a big source on SQLite, the keyword index follows the import as it runs (the 75k
    snapshot: 74,728 papers indexed 4-8 s sooner). Not on PostgreSQL: its statistics are
    those of the near-empty tables until the import's ANALYZE, and the log's queries are
    planned on them (a catch-up then ran minutes, not seconds)."""
    if not source.big or engine.dialect.name != "sqlite":
        return nullcontext()
    from dailypapers.search.keyword_follower import keyword_follower

    return keyword_follower(engine)


def exit_code(summary: ImportSummary) -> int:
    """0: everything loaded; 1: some records were rejected (a failed source is 2)."""
    return 1 if summary.rejected else 0


def _reporter(
    source: Source, on_progress: ProgressReport | None
) -> Callable[[ImportSummary], None]:
    def report(summary: ImportSummary) -> None:
        if on_progress is not None:
            on_progress(summary, source.position() if source.position else None)

    return report


def _dry_run(engine: Engine, items: Iterable[PaperRecord | Rejected]) -> ImportSummary:
    """Every record loaded in one transaction that is rolled back: what would change."""
    rejected: list[str] = []

    def records() -> Iterable[PaperRecord]:
        for item in items:
            if isinstance(item, Rejected):
                rejected.append(str(item))
            else:
                yield item

    with Session(engine) as session:
        try:
            summary = load_records(session, records())
        except SourceError as exc:
            exc.summary = ImportSummary(rejected=rejected)
            raise
        finally:
            session.rollback()
    summary.rejected = rejected
    return summary


def _analyze_if_grown(engine: Engine, summary: ImportSummary) -> None:
    """ANALYZE the catalogue's tables (PostgreSQL) when this import wrote a good share of it."""
    if engine.dialect.name != "postgresql" or not (written := summary.created + summary.updated):
        return
    with engine.connect() as connection:
        papers = connection.scalar(select(func.count()).select_from(Paper)) or 0
    if written >= ANALYZE_AFTER_SHARE * papers:
        analyze(engine, _CATALOGUE)


def _refresh_statistics(engine: Engine) -> None:
    """Keyword search's term statistics, recounted when the catalogue grew by 10%."""
    from dailypapers.search.indexing import refresh_statistics_if_stale

    refresh_statistics_if_stale(engine)
