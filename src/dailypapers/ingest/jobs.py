"""The ingest feature's scheduled job: fetch the newest papers of the configured categories."""

from __future__ import annotations

from datetime import timedelta

from dailypapers.ingest.arxiv_api import ArxivClient, ArxivQuery
from dailypapers.ingest.http import PoliteFetcher
from dailypapers.ingest.run import Source, run_source
from dailypapers.ingest.summary import ImportSummary
from dailypapers.jobs.registry import Job, JobContext, register

PAGE_SIZE = 100


def categories(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def fetch_new_papers(context: JobContext) -> str:
    """Ask arXiv for each category's papers of the last `arxiv_fetch_days` days; list them.

    Papers seen before are left as they are (or updated to a newer version), so the days
    the runs overlap cost nothing; a paper in several categories is stored once.
    """
    settings = context.settings
    until = context.now.date()
    start = until - timedelta(days=settings.arxiv_fetch_days)
    fetcher = PoliteFetcher(delay=settings.arxiv_delay_seconds)
    client = ArxivClient(settings.arxiv_api_url, fetcher, page_size=PAGE_SIZE)
    summary = ImportSummary()
    wanted = categories(settings.arxiv_categories)
    try:
        for category in wanted:
            query = ArxivQuery.category(category, start, until)
            records = client.records(query, limit=settings.arxiv_fetch_max, daily=True)
            part = run_source(context.engine, Source(records), batch_size=PAGE_SIZE)
            context.log.info("%s: %d new, %d updated", category, part.created, part.updated)
            summary.add(part)
    finally:
        fetcher.close()
    for reason in summary.rejected:
        context.log.warning("rejected: %s", reason)
    return (
        f"{len(wanted)} categories, {start} to {until}: {summary.seen} papers read, "
        f"{summary.created} new, {summary.updated} updated, {summary.listed} listed, "
        f"{len(summary.rejected)} rejected"
    )


register(
    Job(
        name="arxiv-daily",
        schedule=lambda settings: settings.arxiv_fetch_schedule,
        run=fetch_new_papers,
        description="Fetch the newest papers of DAILYPAPERS_ARXIV_CATEGORIES from arXiv.",
    )
)
