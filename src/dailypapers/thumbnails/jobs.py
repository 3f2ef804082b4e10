"""The thumbnails feature's job: fetch the PDFs of new papers, politely, and render page one.

arXiv's PDFs come from `ARXIV_PDF_URL` (one request every `ARXIV_DELAY_SECONDS`, the pause
of every arXiv client here); other PDFs from the paper's own `pdf_url`. Each paper is its
own unit of work: a killed run loses one paper, a failed one is recorded and tried again
later (after `WORKER_RETRY_MINUTES`, doubled per failure), and a page never waits for it.
"""

from __future__ import annotations

from datetime import timedelta

import httpx

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.http import FetchError, PoliteFetcher
from dailypapers.jobs.registry import Job, JobContext, register
from dailypapers.settings import Settings
from dailypapers.thumbnails.queries import Due, due_papers, record_failure, record_thumbnail
from dailypapers.thumbnails.render import RenderError, render_first_page
from dailypapers.thumbnails.store import key_for, save, thumbnail_dir

BATCH = 50  # papers per run: at 3 s a request, under three minutes
MAX_PDF_BYTES = 50 * 1024 * 1024
ARXIV_PDF = "https://arxiv.org/pdf/"


def source_url(settings: Settings, due: Due) -> str:
    """Where to fetch the PDF: arXiv's through the setting, any other as stored."""
    if due.arxiv_id and due.pdf_url.startswith(ARXIV_PDF):
        return settings.arxiv_pdf_url.format(arxiv_id=due.arxiv_id)
    return due.pdf_url


class NotAPdf(ValueError):
    """The server answered, but not with a PDF (404, an HTML page, too large)."""


def fetch_pdf(fetcher: PoliteFetcher, url: str) -> bytes:
    """The PDF's bytes; FetchError when the server is unreachable or refusing (429, 5xx)."""
    response = fetcher.get(url, {}, accept=lambda _: True)
    if response.status_code != 200:
        raise NotAPdf(f"{url}: HTTP {response.status_code}")
    if not response.content.startswith(b"%PDF") or len(response.content) > MAX_PDF_BYTES:
        raise NotAPdf(f"{url}: not a PDF, or larger than {MAX_PDF_BYTES} bytes")
    return response.content


def render_thumbnails(context: JobContext) -> str:
    """Up to BATCH papers; a server that is down or refusing ends the run (the rest wait for
    the next one) instead of being asked again for every paper."""
    with unit_of_work(context.engine) as session:
        due = due_papers(session, now=context.now, limit=BATCH)
    if not due:
        return "no paper waits for a thumbnail"
    settings = context.settings
    fetcher = PoliteFetcher(delay=settings.arxiv_delay_seconds, retries=0, timeout=30.0)
    done = failed = 0
    try:
        for paper in due:
            outcome = _render_one(context, fetcher, paper)
            done, failed = done + (outcome == "done"), failed + (outcome != "done")
            if outcome == "down":
                break
    finally:
        fetcher.close()
    left = len(due) - done - failed
    stopped = f"; the server failed, {left} left for the next run" if left else ""
    return f"{done} thumbnails rendered, {failed} failed (tried again later){stopped}"


def _render_one(context: JobContext, fetcher: PoliteFetcher, paper: Due) -> str:
    """Fetch, render and store one paper's thumbnail, or record why not: "done", "failed"
    (this paper) or "down" (the server)."""
    settings = context.settings
    key = key_for(paper.pdf_url)
    try:
        pdf = fetch_pdf(fetcher, source_url(settings, paper))
        save(thumbnail_dir(settings), key, render_first_page(pdf))
    except (FetchError, NotAPdf, RenderError, OSError, httpx.HTTPError) as exc:
        context.log.warning("thumbnail of paper %d: %s", paper.paper_id, exc)
        retry = timedelta(minutes=settings.worker_retry_minutes)
        with unit_of_work(context.engine) as session:
            record_failure(
                session, paper_id=paper.paper_id, error=str(exc), now=context.now, retry=retry
            )
        return "down" if isinstance(exc, FetchError) else "failed"
    with unit_of_work(context.engine) as session:
        record_thumbnail(session, paper_id=paper.paper_id, key=key)
    return "done"


register(
    Job(
        name="thumbnails",
        schedule=lambda settings: settings.thumbnail_schedule,
        run=render_thumbnails,
        description="Render the first page of new papers' PDFs as thumbnails.",
    )
)
