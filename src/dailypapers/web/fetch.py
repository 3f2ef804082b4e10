"""How the site fetches one paper from arXiv for a submission: the ingestion's API client."""

from __future__ import annotations

import logging

from dailypapers.ingest.arxiv_api import ArxivClient, ArxivQuery
from dailypapers.ingest.http import PoliteFetcher
from dailypapers.ingest.records import PaperRecord
from dailypapers.ingest.submit import Fetcher, SubmissionError
from dailypapers.settings import Settings

log = logging.getLogger(__name__)


def fetch_one(settings: Settings, arxiv_id: str) -> PaperRecord | None:
    """The paper `arxiv_id` from arXiv's query API, or None when arXiv has no such paper."""
    fetcher = PoliteFetcher(delay=0, retries=1, retry_wait=1.0, timeout=15.0)
    try:
        client = ArxivClient(settings.arxiv_api_url, fetcher, page_size=1)
        for found in client.records(ArxivQuery.ids([arxiv_id]), limit=1):
            if isinstance(found, PaperRecord) and found.arxiv_id == arxiv_id:
                return found
        return None
    finally:
        fetcher.close()


def arxiv_fetcher(settings: Settings) -> Fetcher:
    """A `Fetcher` for `submit_paper` that turns network trouble into a clear refusal."""

    def fetch(arxiv_id: str) -> PaperRecord | None:
        try:
            return fetch_one(settings, arxiv_id)
        except Exception as exc:
            log.warning("arXiv lookup of %s failed: %r", arxiv_id, exc)  # details: the log
            raise SubmissionError(
                "arXiv is unreachable right now, try again in a few minutes.",
                status=503,
            ) from exc

    return fetch
