"""Thumbnails in Chromium: the rendered first page loads (lazily) on a card and a paper page
and fits a 390 px phone and a 1280 px desktop."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.jobs.registry import JobContext
from dailypapers.settings import Settings
from dailypapers.thumbnails.jobs import render_thumbnails
from tests.browser.conftest import screenshot
from tests.factories import make_paper
from tests.thumbnails.pdfs import pdf_server, tiny_pdf

DAY = date(2026, 2, 19)


def test_a_card_and_its_paper_page_show_the_first_page(
    page: Page, live_url: str, engine: Engine, settings: Settings
) -> None:
    with unit_of_work(engine) as session:
        paper = make_paper(session, title="A paper with a first page", listed_on=DAY)
        make_paper(session, title="A paper without a PDF", listed_on=DAY, arxiv_id=None)
        key, arxiv_id = paper.key, paper.arxiv_id
    local = settings.model_copy(update={"arxiv_delay_seconds": 0.0})
    with pdf_server({f"/pdf/{arxiv_id}": tiny_pdf("A first page")}) as server:
        local = local.model_copy(update={"arxiv_pdf_url": f"{server.url}/pdf/{{arxiv_id}}"})
        now = datetime(2026, 2, 19, 12, tzinfo=UTC)
        render_thumbnails(JobContext(local, engine, "slot", now, logging.getLogger("test")))
    page.goto(f"{live_url}/papers/date/{DAY}")
    image = page.locator(f".card[data-key='{key}'] .thumb img")
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    expect(image).to_have_attribute("loading", "lazy")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 240", arg=image.element_handle()
    )
    assert page.locator(".card .thumb img").count() == 1  # the paper without a PDF has none
    assert page.viewport_size is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, "thumbnail-card")
    page.goto(f"{live_url}/papers/{key}")
    expect(page.locator("img.thumb")).to_be_visible()
    screenshot(page, "thumbnail-paper")
