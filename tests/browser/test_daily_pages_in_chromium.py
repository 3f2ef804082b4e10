"""The reader's pages at 390 and 1280 px (issue 14, items 5 to 11): comments, collections,
the subscribe call, feeds, the phone layout, one style, and messages for people."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.demo import load_demo
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from tests.browser.conftest import LIVE_APPS, VIEWPORTS, screenshot, sign_up
from tests.factories import make_paper
from tests.live_server import free_port, serve_in_thread

DAY = date(2026, 2, 19)
README_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LONG = " ".join(f"Sentence {n} says something about the method and its results." for n in range(12))


def _paper(engine: Engine, title: str = "A paper to read", **fields: object) -> str:
    with unit_of_work(engine) as session:
        return make_paper(session, title=title, listed_on=DAY, **fields).key  # type: ignore[arg-type]


def readme_screenshot(page: Page, name: str) -> None:
    """The README's Web screenshots (first screen only), when SCREENSHOTS_FOR_README=1."""
    if os.environ.get("SCREENSHOTS_FOR_README") == "1":
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_SHOTS / f"{name}-{page.viewport_name}.png"))  # type: ignore[attr-defined]


def _rows(page: Page, selector: str) -> int:
    """How many lines the elements matching `selector` sit on (centres 12 px apart or more)."""
    centres = sorted(
        page.eval_on_selector_all(
            selector,
            "els => els.map(e => e.getBoundingClientRect()).map(r => r.top + r.height / 2)",
        )
    )
    return sum(1 for i, y in enumerate(centres) if i == 0 or y - centres[i - 1] > 12)


def test_comments_are_markdown_and_errors_sit_by_the_form(
    page: Page, live_url: str, engine: Engine
) -> None:
    """Item 5: Markdown, bare www. links, an empty comment shown beside the form."""
    key = _paper(engine)
    sign_up(page, live_url, "ada", engine)
    page.goto(f"{live_url}/papers/{key}")
    page.fill("#comment-body", "   ")
    page.click("form.new-comment button[type=submit]")
    expect(page.locator("#comment-error")).to_have_text("A comment cannot be empty.")
    expect(page.locator("form.new-comment textarea")).to_be_visible()
    body = "**Nice** idea, see `code` at www.example.org\n\n- one\n- two\n\n> quoted\n\n![x](http://x/y.png)"
    page.fill("#comment-body", body)
    page.click("form.new-comment button[type=submit]")
    text = page.locator(".comment .text").first
    expect(text.locator("strong")).to_have_text("Nice")
    expect(text.locator("code")).to_have_text("code")
    expect(text.locator("a[href='http://www.example.org']")).to_have_attribute(
        "rel", "nofollow ugc noopener"
    )
    expect(text.locator("li")).to_have_count(2)
    expect(text.locator("blockquote")).to_have_text("quoted")
    expect(text.locator("img")).to_have_count(0)
    page.click(".comment form[action$='/delete'] button")  # asks first: dismissed, kept
    assert page.dialogs == ["Delete this comment? It is removed for good."]  # type: ignore[attr-defined]
    expect(page.locator(".comment")).to_have_count(1)
    screenshot(page, "comments")


def test_collections_say_what_happened_and_keep_notes(
    page: Page, browser: Browser, live_url: str, engine: Engine
) -> None:
    """Item 6: "Saved to", notes on the collection page, remove, feeds, delete confirmed."""
    key = _paper(engine)
    sign_up(page, live_url, "ada", engine)
    page.goto(f"{live_url}/collections")
    checkbox = page.locator("label.check input[name=public]")
    box, label = checkbox.bounding_box(), page.locator("label.check span").bounding_box()
    assert (
        box
        and label
        and abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 6
    )
    page.fill("input[name=name]", "Reading group")
    checkbox.check()
    page.click("form[action='/collections'] button[type=submit]")
    page.goto(f"{live_url}/papers/{key}")
    page.click("details.collect summary")
    page.fill("form.add-to-collection input[name=note]", "for Tuesday")
    page.click("form.add-to-collection button[type=submit]")
    expect(page.locator("p.saved")).to_contain_text("Saved to ‘Reading group’")
    page.click("p.saved a")
    note = page.locator("form.note-form input[name=note]")
    expect(note).to_have_value("for Tuesday")
    note.fill("chapter 2 first")
    page.click("form.note-form button[type=submit]")
    expect(note).to_have_value("chapter 2 first")
    expect(page.locator("a.feed.rss")).to_be_visible()
    screenshot(page, "collection")
    page.click("button.remove")
    expect(page.locator(".card")).to_have_count(0)
    page.goto(f"{live_url}/collections")
    page.click("form[action$='/delete'] button")
    assert page.dialogs and "Delete the collection" in page.dialogs[-1]  # type: ignore[attr-defined]
    expect(page.locator("ul.collections a:has-text('Reading group')")).to_be_visible()
    no_js = browser.new_context(
        java_script_enabled=False, storage_state=page.context.storage_state()
    )
    plain = no_js.new_page()
    plain.goto(f"{live_url}/collections")
    plain.click("form[action$='/delete'] button")
    expect(plain.locator("h1")).to_have_text("Delete this collection?")
    plain.click("button.danger")
    expect(plain.locator("ul.collections")).not_to_contain_text("Reading group")
    no_js.close()


def test_subscribe_call_and_feeds_are_on_top(page: Page, live_url: str, engine: Engine) -> None:
    """Items 7 and 8: the call to subscribe above the cards, a visible feed link, readable."""
    for n in range(12):
        _paper(engine, title=f"Paper {n}", abstract=LONG)
    page.goto(live_url)
    cta = page.locator(".subscribe-cta")
    expect(cta).to_contain_text("Get trending papers in your email inbox!")
    first = page.locator(".card").first.bounding_box()
    cta_box = cta.bounding_box()
    assert cta_box and first and cta_box["y"] < first["y"]
    assert cta_box["y"] + cta_box["height"] <= VIEWPORTS[page.viewport_name]["height"]  # type: ignore[attr-defined]
    expect(cta.locator("button:has-text('Subscribe')")).to_be_visible()
    page.click("a.feed.rss")
    expect(page.locator("h1")).to_have_text("Follow this list in a feed reader")
    url = page.locator("#feed-url").inner_text()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/papers/date/2026-02-19/feed\.rss", url)
    feed = page.request.get(url)
    assert feed.ok and "<rss" in feed.text()
    screenshot(page, "feed-preview")


def test_subscribing_from_the_call_on_a_list_page(
    page: Page, live_url: str, engine: Engine
) -> None:
    """The list page is the same for every anonymous reader (no token in it): the call sends
    the address on to /subscribe, filled in, where one more click subscribes."""
    _paper(engine, title="Paper to be mailed")
    page.goto(live_url)
    cta = page.locator(".subscribe-cta")
    cta.locator("input[name=email]").fill("reader@example.org")
    cta.locator("select[name=frequency]").select_option("weekly")
    cta.locator("button:has-text('Subscribe')").click()
    expect(page.locator("form.subscribe input[name=email]")).to_have_value("reader@example.org")
    expect(page.locator("form.subscribe select[name=frequency]")).to_have_value("weekly")
    page.click("form.subscribe button[type=submit]")
    expect(page.locator("p.message")).to_contain_text("reader@example.org")


def test_phone_layout_and_one_style(page: Page, live_url: str, engine: Engine) -> None:
    """Items 9 and 10, at both widths: header, filters, clamps, chart, pager, style details."""
    key = _paper(engine, title="Paper about retrieval", abstract=LONG)
    with unit_of_work(engine) as session:
        load_demo(session)  # the home page of the README's screenshots
    sign_up(page, live_url, "a_reader_name", engine)
    phone = page.viewport_name == "phone"  # type: ignore[attr-defined]
    words = page.eval_on_selector_all(
        "header.top a, header.top button", "els => els.map(e => e.getClientRects().length)"
    )
    assert set(words) == {1}  # no nav item broken over two lines
    screenshot(page, "header")
    assert _rows(page, "header.top nav a, header.top nav button, header.top form.search") <= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]  # type: ignore[index]
    logout = page.locator("nav.account button:has-text('Log out')")
    settings_link = page.locator("nav.account a:has-text('Settings')")
    for prop in ("color", "font-size", "text-decoration-line"):
        style = f"e => getComputedStyle(e).getPropertyValue('{prop}')"
        assert logout.evaluate(style) == settings_link.evaluate(style), prop
    page.goto(f"{live_url}/search?q=retrieval&mode=keyword")
    filters = page.locator("details.filters-box")
    expect(filters).to_have_js_property("open", not phone)
    first = page.locator(".card").first.bounding_box()
    assert first and first["y"] < VIEWPORTS[page.viewport_name]["height"]  # type: ignore[attr-defined]
    assert page.locator("select").first.evaluate("e => getComputedStyle(e).appearance") == "none"
    axis = page.locator("figure.chart .axis span")
    expect(axis).to_have_count(2)
    chart = page.locator("figure.chart").bounding_box()
    last = axis.nth(1).bounding_box()
    assert chart and last and last["x"] + last["width"] <= chart["x"] + chart["width"]
    if phone:
        clamped = page.locator("p.abstract.clamp")
        more = page.locator("button.more").first
        expect(more).to_be_visible()
        before = clamped.count()
        more.click()
        expect(clamped).to_have_count(before - 1)
    screenshot(page, "search-layout")
    page.goto(f"{live_url}/papers/week/2026-W08")
    assert (
        _rows(page, ".pager.dates a.prev, .pager.dates a.next") <= 1
        or not page.locator(".pager.dates a").count()
    )
    _placeholders_tags_icon_and_sparkline(page, live_url, key)


def _placeholders_tags_icon_and_sparkline(page: Page, live_url: str, key: str) -> None:
    page.goto(f"{live_url}/settings")
    token_name = page.locator("input[name=name]").first
    expect(token_name).to_have_value("")
    expect(token_name).to_have_attribute("placeholder", "my script")
    page.goto(f"{live_url}/papers/{key}")
    expect(page.locator("meta[property='og:title']")).to_have_attribute(
        "content", "Paper about retrieval"
    )
    expect(page.locator("meta[name='twitter:card']")).to_have_count(1)
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon and page.request.get(icon if "://" in icon else live_url + icon).ok
    page.click("button.upvote")
    expect(page.locator("button.upvote")).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator("figure.trend figcaption")).to_have_text("Upvotes, last 30 days")
    screenshot(page, "paper")
    readme_screenshot(page, "paper")
    page.goto(live_url)
    readme_screenshot(page, "home")


def test_dark_theme_follows_the_system(browser: Browser, live_url: str, engine: Engine) -> None:
    """Item 10: prefers-color-scheme: dark gives a dark page."""
    _paper(engine)
    context = browser.new_context(color_scheme="dark", viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.goto(live_url)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 17, 21)"
    context.close()


@pytest.fixture
def offline_url(settings: Settings) -> Iterator[str]:
    """The site with arXiv unreachable (a port nobody listens on)."""
    dead = settings.model_copy(update={"arxiv_api_url": f"http://127.0.0.1:{free_port()}/api"})
    app = create_app(dead)
    with serve_in_thread(app) as url:
        LIVE_APPS[url] = app  # confirm_address waits for this app's emails
        yield url
        del LIVE_APPS[url]
    app.state.deliveries.join()
    app.state.engine.dispose()


def test_arxiv_trouble_is_said_for_people(page: Page, offline_url: str, engine: Engine) -> None:
    """Item 11: "arXiv is unreachable right now", not `ConnectError: [Errno 111] ...`."""
    sign_up(page, offline_url, "ada", engine)
    page.goto(f"{offline_url}/submit")
    page.fill("input[name=arxiv]", "2502.12345")
    page.click("form[action='/submit'] button[type=submit]")
    error = page.locator("p.error")
    expect(error).to_have_text("arXiv is unreachable right now, try again in a few minutes.")
    expect(page.locator("main")).not_to_contain_text("Errno")
