"""How the site fetches one paper from arXiv for a submission."""

from __future__ import annotations

from dailypapers.ingest.records import PaperRecord
from dailypapers.papers.submit import Fetcher, SubmissionError
from dailypapers.settings import Settings


def arxiv_fetcher(settings: Settings) -> Fetcher:
    """A function that asks the arXiv API for one id (the ingestion client)."""

    def fetch(arxiv_id: str) -> PaperRecord | None:
        try:
            from dailypapers.ingest.arxiv_api import fetch_one
        except ImportError:  # the arXiv client is not in this build
            raise SubmissionError(f"{arxiv_id} is not in the database yet.") from None
        try:
            return fetch_one(settings, arxiv_id)
        except Exception as exc:
            raise SubmissionError(f"arXiv could not be reached ({exc}); try again later.") from exc

    return fetch
