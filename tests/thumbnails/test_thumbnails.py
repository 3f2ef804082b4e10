"""First-page thumbnails: rendered from a PDF served locally, cached on disk, shown on cards
and paper pages, retried after a failed download, served only under a valid key."""

from __future__ import annotations

import io
import logging
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, select

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.hf_json import parse_hf_item
from dailypapers.jobs.registry import JobContext
from dailypapers.papers.models import Paper
from dailypapers.settings import Settings
from dailypapers.thumbnails.jobs import render_thumbnails
from dailypapers.thumbnails.models import ThumbnailFailure
from dailypapers.thumbnails.render import WIDTH, render_first_page
from dailypapers.thumbnails.store import key_for, path_for, thumbnail_dir
from tests.factories import make_paper
from tests.thumbnails.pdfs import pdf_server, tiny_pdf

DAY = date(2026, 2, 19)
NOW = datetime(2026, 2, 19, 12, 0, tzinfo=UTC)


def _run(
    settings: Settings, engine: Engine, url: str, now: datetime = NOW, delay: float = 0.0
) -> str:
    local = settings.model_copy(
        update={"arxiv_pdf_url": f"{url}/pdf/{{arxiv_id}}", "arxiv_delay_seconds": delay}
    )
    context = JobContext(local, engine, "slot", now, logging.getLogger("test"))
    return render_thumbnails(context) or ""


def test_a_first_page_renders_as_a_small_webp() -> None:
    data = render_first_page(tiny_pdf("Attention is all you need"))
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP" and image.size == (WIDTH, round(WIDTH * 792 / 612))
    assert len(data) < 8_000
    assert image.convert("L").getextrema()[0] < 100  # text and a box were drawn, not blank


def test_the_job_renders_a_thumbnail_that_cards_and_paper_pages_show(
    engine: Engine, settings: Settings, client: TestClient
) -> None:
    with unit_of_work(engine) as session:
        paper = make_paper(session, title="Tiny <PDF> paper", listed_on=DAY)
        key, pdf_url, arxiv_id = paper.key, paper.pdf_url, paper.arxiv_id
    with pdf_server({f"/pdf/{arxiv_id}": tiny_pdf("Tiny PDF paper")}) as server:
        summary = _run(settings, engine, server.url)
        again = _run(settings, engine, server.url)
    assert summary.startswith("1 thumbnails rendered, 0 failed"), summary
    assert again == "no paper waits for a thumbnail" and len(server.requests) == 1
    assert pdf_url is not None
    thumb = key_for(pdf_url)
    path = path_for(thumbnail_dir(settings), thumb)
    assert path is not None and path.is_file() and path.stat().st_size < 8_000
    with Image.open(path) as image:
        assert image.size == (240, 311)
    tag = (
        f'<img src="/thumbnails/{thumb}.webp" alt="First page of Tiny &lt;PDF&gt; paper" '
        'loading="lazy"'
    )
    assert tag in client.get(f"/papers/date/{DAY}").text
    assert f'<img class="thumb" src="/thumbnails/{thumb}.webp"' in client.get(f"/papers/{key}").text
    served = client.get(f"/thumbnails/{thumb}.webp")
    assert served.status_code == 200 and served.headers["content-type"] == "image/webp"
    assert served.content == path.read_bytes()
    assert "max-age=31536000" in served.headers["cache-control"]
    assert "immutable" in served.headers["cache-control"]
    address = f"http://testserver/thumbnails/{thumb}.webp"  # the JSON API's, absolute
    assert client.get(f"/api/daily_papers?date={DAY}").json()[0]["thumbnail"] == address
    assert client.get(f"/api/papers/{key}").json()["thumbnail"] == address


def test_a_failed_download_is_recorded_retried_later_and_breaks_no_page(
    engine: Engine, settings: Settings, client: TestClient
) -> None:
    with unit_of_work(engine) as session:
        paper = make_paper(session, title="Missing PDF", listed_on=DAY)
        key, paper_id, arxiv_id = paper.key, paper.id, paper.arxiv_id
    with pdf_server({}) as server:
        assert _run(settings, engine, server.url).startswith("0 thumbnails rendered, 1 failed")
        assert _run(settings, engine, server.url) == "no paper waits for a thumbnail"
    with unit_of_work(engine) as session:
        failure = session.get(ThumbnailFailure, paper_id)
        assert failure is not None and failure.attempts == 1 and "404" in failure.last_error
        assert failure.next_try_at == NOW + timedelta(minutes=settings.worker_retry_minutes)
    page = client.get(f"/papers/{key}")
    assert page.status_code == 200 and "thumb" not in page.text
    later = NOW + timedelta(hours=1)
    with pdf_server({f"/pdf/{arxiv_id}": tiny_pdf("Found at last")}) as server:
        assert _run(settings, engine, server.url, later).startswith("1 thumbnails rendered")
    with unit_of_work(engine) as session:
        assert session.get(ThumbnailFailure, paper_id) is None
        assert session.scalar(select(Paper.thumbnail).where(Paper.id == paper_id))


def test_pdf_requests_keep_the_arxiv_delay(engine: Engine, settings: Settings) -> None:
    with unit_of_work(engine) as session:
        ids = [make_paper(session).arxiv_id for _ in range(3)]
    started = time.monotonic()
    with pdf_server({f"/pdf/{i}": tiny_pdf(str(i)) for i in ids}) as server:
        assert _run(settings, engine, server.url, delay=0.4).startswith("3 thumbnails rendered")
    # three requests, 0.4 s apart (from start to start): the run cannot be shorter
    assert len(server.requests) == 3 and time.monotonic() - started >= 0.8


def test_an_unreachable_server_ends_the_run(engine: Engine, settings: Settings) -> None:
    with unit_of_work(engine) as session:
        first, second = make_paper(session).id, make_paper(session).id
    summary = _run(settings, engine, "http://127.0.0.1:9")  # nothing listens there
    assert summary == (
        "0 thumbnails rendered, 1 failed (tried again later); the server failed, "
        "1 left for the next run"
    )
    with unit_of_work(engine) as session:
        failures = {f.paper_id for f in session.scalars(select(ThumbnailFailure))}
    assert failures == {second}  # the newest was tried; the other waits, with no failure
    assert first not in failures


def test_the_sources_image_comes_first_and_is_escaped(
    engine: Engine, settings: Settings, client: TestClient
) -> None:
    media = 'https://cdn.example.org/fig.png?a=1&b="2"'
    with unit_of_work(engine) as session:
        make_paper(session, title="With a figure", listed_on=DAY, media_url=media)
    with pdf_server({}) as server:
        assert _run(settings, engine, server.url) == "no paper waits for a thumbnail"
    html = client.get(f"/papers/date/{DAY}").text
    assert 'src="https://cdn.example.org/fig.png?a=1&amp;b=&#34;2&#34;"' in html
    assert client.get(f"/api/daily_papers?date={DAY}").json()[0]["thumbnail"] == media
    item = {
        "paper": {
            "id": "2602.00001",
            "title": "Media",
            "summary": "An abstract.",
            "mediaUrls": ["https://cdn.example.org/v.mp4", "https://cdn.example.org/f.jpg"],
        }
    }
    assert parse_hf_item(item).media_url == "https://cdn.example.org/f.jpg"
    item["paper"]["mediaUrls"] = ["javascript:alert(1).png"]
    assert parse_hf_item(item).media_url is None


def test_only_a_valid_key_names_a_file(settings: Settings, client: TestClient) -> None:
    folder = thumbnail_dir(settings)
    folder.mkdir(parents=True)
    (settings.data_dir / "secret.webp").write_text("secret")
    assert path_for(folder, "../secret") is None and path_for(folder, "A" * 32) is None
    for path in (
        "/thumbnails/..%2Fsecret.webp",
        "/thumbnails/..%2F..%2Fvar%2Fsecret.webp",
        "/thumbnails/%2e%2e.webp",
        "/thumbnails/" + "0" * 31 + ".webp",
        "/thumbnails/" + "0" * 32 + ".webp",  # the form of a key, but no such file
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "secret" not in answer.text


def test_paths_stay_inside_the_folder(tmp_path: Path) -> None:
    path = path_for(tmp_path, "ab" * 16)
    assert path is not None and path.is_relative_to(tmp_path)
