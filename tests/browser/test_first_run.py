"""The first run, as a new user meets it: the commands of `make run` on a fresh database (read
from the Makefile, so the two cannot drift apart), then the site in Chromium.

The server is the real `dailypapers serve` with the real model and a real SMTP server
(aiosmtpd); nothing else is run. Only the port, the data folder, the SMTP URL and arXiv's
address (an unreachable local port: the suite does not call arXiv) differ from `make run`.
"""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_plus

import httpx
import pytest
from benchmarks.first_run import make_run_commands  # the recipe of `make run`, one reader
from playwright.sync_api import Browser, Page, expect

from dailypapers.search.embedder import load_embedder
from tests.browser.conftest import screenshot
from tests.digest.smtp_sink import CountingHandler, SmtpSink
from tests.live_server import free_port
from tests.search.conftest import MODEL_CACHE

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 60
PASSWORD = "a long enough password 42"
PARAPHRASE = "compressing image patches for multimodal chat models"
# demo papers about shrinking the visual tokens fed to multimodal language models
RELEVANT = {"2409.01179", "2503.02175", "2507.20630", "2506.05709"}


@dataclass(frozen=True)
class FirstRun:
    url: str
    smtp: CountingHandler
    log: Path
    started_in: float  # seconds from starting `serve` to the complete demo being served


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstRun]:
    load_embedder("onnx-int8", MODEL_CACHE)  # what `make install` leaves: the model built once
    folder = tmp_path_factory.mktemp("first-run")
    (folder / "var").mkdir()
    (folder / "var" / "models").symlink_to(MODEL_CACHE)
    port = free_port()
    *setup, serve = make_run_commands(port)
    with SmtpSink(CountingHandler()) as smtp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
        env.update(
            DAILYPAPERS_SMTP_URL=smtp.url,
            DAILYPAPERS_ARXIV_API_URL=f"http://127.0.0.1:{free_port()}/api/query",
            DAILYPAPERS_ARXIV_OAI_URL=f"http://127.0.0.1:{free_port()}/oai",
            DAILYPAPERS_ARXIV_PDF_URL=f"http://127.0.0.1:{free_port()}/pdf/{{arxiv_id}}",
        )
        for command in setup:
            done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
            assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
        log = folder / "serve.log"
        with log.open("wb") as out:
            server = subprocess.Popen(serve, cwd=folder, env=env, stdout=out, stderr=out)
        try:
            started = time.monotonic()
            url = f"http://127.0.0.1:{port}"
            _wait_for_the_demo(url, server, log)
            yield FirstRun(url, smtp.handler, log, time.monotonic() - started)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_for_the_demo(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, f"serve exited:\n{log.read_text()}"
        try:
            if httpx.get(url, timeout=5).text.count('class="card"') == 54:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"no demo within {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.viewport_name = "desktop"  # type: ignore[attr-defined]
    yield page
    context.close()


def _demo_ids() -> list[str]:
    path = ROOT.parent / "shared" / "data" / "seed_arxiv_ids.tsv"
    with path.open(newline="") as handle:
        return [row["arxiv_id"] for row in csv.DictReader(handle, delimiter="\t")]


def test_the_home_page_lists_the_54_demo_papers_with_arxiv_links(
    first_run: FirstRun, page: Page
) -> None:
    page.goto(first_run.url)
    cards = page.locator(".card")
    expect(cards).to_have_count(54)
    keys = [cards.nth(i).get_attribute("data-key") for i in range(54)]
    assert sorted(keys) == sorted(_demo_ids())  # every id known: no dp-… key left
    page.click(".card h2 a >> nth=0")
    key = keys[0]
    expect(page.locator(f"a[href='https://arxiv.org/abs/{key}']")).to_have_count(1)
    expect(page.locator(f"a[href='https://arxiv.org/pdf/{key}']")).to_have_count(1)
    expect(page.locator("a[href^='/authors/']").first).to_be_visible()
    screenshot(page, "first-run-paper")


def test_a_paraphrase_finds_a_demo_paper_by_meaning(first_run: FirstRun, page: Page) -> None:
    page.goto(f"{first_run.url}/search?q={quote_plus(PARAPHRASE)}")
    expect(page.locator(".card").first).to_be_visible()
    expect(page.locator("p.notice")).to_have_count(0)  # hybrid ran, no keyword fallback
    top = [page.locator(".card").nth(i).get_attribute("data-key") for i in range(3)]
    assert RELEVANT & set(top), top
    semantic = httpx.get(
        f"{first_run.url}/api/papers/search",
        params={"q": PARAPHRASE, "mode": "semantic", "limit": 3},
        timeout=30,
    )
    assert semantic.headers["X-Search-Mode"] == "semantic"
    assert RELEVANT & {item["paper"]["id"] for item in semantic.json()}


def test_a_paper_page_has_similar_papers_a_summary_and_keywords(
    first_run: FirstRun, page: Page
) -> None:
    page.goto(f"{first_run.url}/papers/2412.03069")  # TokenFlow: its abstract's first
    expect(page.locator("p.keywords .tag").first).to_be_visible()  # sentence is the summary,
    expect(page.locator("p.summary")).to_have_count(0)  # so keywords only, not it twice
    page.goto(f"{first_run.url}/papers/2501.10064")  # One-D-Piece
    expect(page.locator("p.summary")).to_contain_text("In one sentence:")
    expect(page.locator("section.similar li").first).to_be_visible()
    assert page.locator("section.similar li").count() >= 3


def test_three_upvotes_give_a_new_user_a_for_you_list(first_run: FirstRun, page: Page) -> None:
    page.goto(f"{first_run.url}/signup")
    page.fill("input[name=email]", "newcomer@example.org")
    page.fill("input[name=username]", "newcomer")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/signup'] button[type=submit]")
    verify = re.search(r"http://\S+/verify/\S+", _text_to(first_run, "newcomer@example.org"))
    assert verify is not None and verify.group(0).startswith(first_run.url)
    page.goto(verify.group(0))
    page.click("button:has-text('Confirm my address')")
    expect(page.locator("nav.account .me")).to_have_text("newcomer")
    page.goto(f"{first_run.url}/for-you")
    expect(page.locator("p.explanation")).to_contain_text("Upvote or collect at least 3")
    for key in ("2412.03069", "2501.10064", "2505.18142"):  # three image tokenizers
        page.goto(f"{first_run.url}/papers/{key}")
        page.click("button.upvote")
        expect(page.locator("button.upvote")).to_have_attribute("aria-pressed", "true")
    page.goto(f"{first_run.url}/for-you")
    expect(page.locator(".card").first).to_be_visible()
    expect(page.locator("p.explanation")).to_have_count(0)
    assert "2412.03069" not in [c.get_attribute("data-key") for c in page.locator(".card").all()]
    screenshot(page, "first-run-for-you")


def _text_to(first_run: FirstRun, recipient: str) -> str:
    """The plain text of the one email that reaches `recipient` within 30 s."""
    deadline = time.monotonic() + 30
    while not first_run.smtp.parsed(recipient) and time.monotonic() < deadline:
        time.sleep(0.1)
    (message,) = first_run.smtp.parsed(recipient)
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    return str(text.get_content())


def test_the_confirmation_email_arrives_and_its_link_works(first_run: FirstRun, page: Page) -> None:
    page.goto(f"{first_run.url}/subscribe")
    page.fill("form.subscribe input[name=email]", "reader@example.org")
    page.click("form.subscribe button[type=submit]")
    expect(page.locator("p.message")).to_contain_text("Check your inbox")
    # sent by the server alone: no command was run
    link = re.search(r"http://\S+/subscribe/confirm/\S+", _text_to(first_run, "reader@example.org"))
    assert link is not None
    confirm = link.group(0)
    assert confirm.startswith(f"{first_run.url}/subscribe/confirm/")  # the server's own port
    page.goto(confirm)
    page.click("button:has-text('Confirm my subscription')")
    expect(page.locator("h1")).to_have_text("Subscription confirmed")
    page.click("a:has-text('Choose topics and frequency')")
    expect(page.locator("h1")).to_have_text("Your email digest")
    assert page.url.startswith(first_run.url)
