"""Submitting a paper in the browser, fetched through a replay of a real arXiv API answer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, update

from dailypapers.accounts.models import User
from dailypapers.db.engine import unit_of_work
from dailypapers.settings import Settings
from tests.browser.conftest import confirm_address, screenshot
from tests.ingest.replay import Answer, Replay, ok

RECORDED = "recorded/arxiv-api/id_1605.08386_s0_m100_199195aa31ad.json"


@pytest.fixture
def arxiv_replay(shared_data: Path) -> Replay:
    recorded = json.loads((shared_data / RECORDED).read_text())

    def route(params: dict[str, str]) -> Answer:
        if params.get("id_list", "").startswith("1605.08386"):
            return ok(recorded["body"].encode())
        return 400, b"unknown id in this replay", {}

    return Replay(route)


@pytest.fixture
def settings(settings: Settings, arxiv_replay: Replay) -> Settings:
    arxiv_replay.__enter__()
    return settings.model_copy(update={"arxiv_api_url": arxiv_replay.url})


def test_submit_a_paper_and_comment(
    page: Page, live_url: str, engine: Engine, arxiv_replay: Replay
) -> None:
    try:
        page.goto(f"{live_url}/signup?next=/submit")
        page.fill("input[name=email]", "editor@example.org")
        page.fill("input[name=username]", "editor")
        page.fill("input[name=password]", "a long password")
        page.click("form[action='/signup'] button[type=submit]")
        confirm_address(page, live_url, engine, "editor@example.org")
        expect(page).to_have_url(re.compile(r":\d+/submit$"))
        # A 2016 paper: too old for a reader...
        page.fill("input[name=arxiv]", "https://arxiv.org/abs/1605.08386")
        page.click("form[action='/submit'] button[type=submit]")
        expect(page.locator("p.error")).to_contain_text("only papers from the last 14 days")
        # ...while administrators may list it.
        with unit_of_work(engine) as session:
            session.execute(update(User).where(User.username == "editor").values(role="admin"))
        page.click("form[action='/submit'] button[type=submit]")
        expect(page).to_have_url(re.compile(r"/papers/1605\.08386$"))
        expect(page.locator("h1")).to_contain_text("Heat-bath random walks")
        assert arxiv_replay.requests, "the arXiv replay was never asked"
        page.fill("#comment-body", "Submitted through the replayed arXiv API.")
        page.click("form.new-comment button[type=submit]")
        expect(page.locator(".comment .text")).to_have_text(
            "Submitted through the replayed arXiv API."
        )
        page.goto(live_url)
        expect(page.locator(".card h2").first).to_contain_text("Heat-bath random walks")
        screenshot(page, "submitted")
    finally:
        arxiv_replay.__exit__(None, None, None)
