"""People's paths through the site in a real browser, at phone and desktop widths."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.demo import load_demo
from tests.browser.conftest import PASSWORD, confirm_address, screenshot, sign_up
from tests.factories import make_paper


def test_sign_up_log_out_log_in(page: Page, live_url: str, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        load_demo(session)
    sign_up(page, live_url, "ada", engine)
    screenshot(page, "home-signed-in")
    page.click("nav.account button:has-text('Log out')")
    expect(page.locator("nav.account")).to_contain_text("Log in")
    page.click("nav.account a:has-text('Log in')")
    page.fill("input[name=login]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator("nav.account .me")).to_have_text("ada")


def test_move_between_days(page: Page, live_url: str, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        make_paper(session, title="Paper of the eighteenth", listed_on=date(2026, 2, 18))
        make_paper(session, title="Paper of the nineteenth", listed_on=date(2026, 2, 19))
    page.goto(live_url)
    expect(page.locator(".card h2").first).to_have_text("Paper of the nineteenth")
    page.click("a.prev")
    expect(page).to_have_url(re.compile(r"/papers/date/2026-02-18$"))
    expect(page.locator(".card h2")).to_have_text(["Paper of the eighteenth"])
    page.click("a.next")
    expect(page).to_have_url(re.compile(r"/papers/date/2026-02-19$"))
    page.click(".periods a:has-text('Week')")
    expect(page.locator(".card")).to_have_count(2)
    page.fill(".datepicker input[type=date]", "2026-02-18")
    page.dispatch_event(".datepicker input[type=date]", "change")
    expect(page).to_have_url(re.compile(r"/papers/date/2026-02-18$"))
    screenshot(page, "day-list")
    page.fill("form.search input[name=q]", "eighteenth")
    page.press("form.search input[name=q]", "Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=eighteenth"))
    expect(page.locator(".card h2")).to_have_text(["Paper of the eighteenth"])
    expect(page.locator(".card h2 mark")).to_have_text("eighteenth")
    expect(page.locator("figure.chart svg.bars")).to_be_visible()
    screenshot(page, "search")


def test_upvote_changes_the_count_and_survives_reload(
    page: Page, live_url: str, engine: Engine
) -> None:
    with unit_of_work(engine) as session:
        key = make_paper(
            session, title="Vote for me", listed_on=date(2026, 2, 19), base_upvotes=4
        ).key
    page.goto(f"{live_url}/papers/{key}")
    page.click("button.upvote")  # anonymous: sent to log in, then back
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.click("a:has-text('Sign up')")
    page.fill("input[name=email]", "voter@example.org")
    page.fill("input[name=username]", "voter")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/signup'] button[type=submit]")
    confirm_address(page, live_url, engine, "voter@example.org")
    expect(page).to_have_url(re.compile(rf"/papers/{re.escape(key)}$"))
    count = page.locator("button.upvote .count")
    expect(count).to_have_text("4")
    page.click("button.upvote")
    expect(count).to_have_text("5")
    expect(page.locator("button.upvote")).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator("button.upvote .count")).to_have_text("5")
    expect(page.locator("svg.sparkline polyline")).to_have_count(1)  # the upvote chart
    screenshot(page, "paper-upvoted")
    page.click("button.upvote")
    expect(page.locator("button.upvote .count")).to_have_text("4")
    page.reload()
    expect(page.locator("button.upvote .count")).to_have_text("4")


def test_script_payloads_never_run(page: Page, live_url: str, engine: Engine) -> None:
    payloads = [
        "<script>alert('title')</script>",
        "<img src=x onerror=\"alert('img')\">",
    ]
    joined = " ".join(payloads)
    with unit_of_work(engine) as session:
        key = make_paper(
            session,
            title=f"Hostile {joined}",
            abstract=f"Abstract {joined}",
            authors=[payloads[1], "Plain Name"],
            listed_on=date(2026, 2, 19),
        ).key
    page.goto(f"{live_url}/signup")
    page.fill("input[name=email]", "mal@example.org")
    page.evaluate("document.querySelector('input[name=username]').removeAttribute('pattern')")
    page.fill("input[name=username]", payloads[0])
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/signup'] button[type=submit]")
    expect(page.locator("p.error")).to_contain_text("Usernames are")
    expect(page.locator("input[name=username]")).to_have_value(payloads[0])
    sign_up(page, live_url, "mal_user", engine)
    page.goto(f"{live_url}/papers/{key}")
    page.fill("#comment-body", f"comment {joined} https://example.org/ok")
    page.click("form.new-comment button[type=submit]")
    expect(page.locator(".comment .text")).to_contain_text("<script>alert('title')</script>")
    for path in ("/", f"/papers/{key}", f"/authors/{payloads[1]}", "/users/mal_user"):
        page.goto(live_url + path)
        page.wait_for_load_state("load")
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert page.evaluate("document.querySelectorAll('main script, main img[onerror]').length") == 0
    screenshot(page, "hostile-payloads")
