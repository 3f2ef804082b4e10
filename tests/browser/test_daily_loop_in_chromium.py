"""The reader's every-morning path, at 390 and 1280 px (issue 14, items 1 to 4).

Dates, votes and paging: each step is one a new reader met in the first five minutes.
"""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from tests.browser.conftest import PASSWORD, confirm_address, screenshot, sign_up
from tests.factories import make_paper

DAY = date(2026, 2, 19)


def _papers_on(engine: Engine, *days: date) -> list[str]:
    with unit_of_work(engine) as session:
        return [make_paper(session, title=f"Paper of {d:%b %d}", listed_on=d).key for d in days]


def test_typing_a_date_waits_for_enter(page: Page, live_url: str, engine: Engine) -> None:
    """Item 1: each key used to submit the half-typed date (to "Jan 1, 2026" or "Jul 1, 1")."""
    _papers_on(engine, date(2026, 2, 16), DAY)
    page.goto(f"{live_url}/papers/date/2026-02-19")
    picker = page.locator(".datepicker input[type=date]")
    picker.focus()
    for key in "02162026":  # month, day, year: each key makes a complete date in the field
        page.keyboard.press(key)
    expect(picker).to_have_value("2026-02-16")
    expect(page).to_have_url(re.compile(r"/papers/date/2026-02-19$"))  # still here
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/papers/date/2026-02-16$"))
    expect(page.locator(".card h2")).to_have_text(["Paper of Feb 16"])
    # a date picked from the calendar (no typing) jumps at once
    page.fill(".datepicker input[type=date]", "2026-02-19")
    page.dispatch_event(".datepicker input[type=date]", "change")
    expect(page).to_have_url(re.compile(r"/papers/date/2026-02-19$"))


def test_week_and_month_arrows_skip_empty_periods(
    page: Page, live_url: str, engine: Engine
) -> None:
    """Item 4: arrows led to empty weeks and months while day arrows skip to listed days."""
    _papers_on(engine, date(2025, 11, 3), date(2026, 1, 30), DAY)
    page.goto(f"{live_url}/papers/date/2026-02-19")
    page.click(".periods a:has-text('Week')")
    expect(page).to_have_url(re.compile(r"/papers/week/2026-W08$"))
    expect(page.locator("a.next")).to_have_count(0)  # nothing listed after this week
    page.click("a.prev")
    expect(page).to_have_url(re.compile(r"/papers/week/2026-W05$"))  # W07, W06 are empty
    expect(page.locator(".card h2")).to_have_text(["Paper of Jan 30"])
    screenshot(page, "week-pager")
    page.click(".periods a:has-text('Month')")  # the month of the week's last day: February
    expect(page).to_have_url(re.compile(r"/papers/month/2026-02$"))
    page.click("a.prev")
    expect(page).to_have_url(re.compile(r"/papers/month/2026-01$"))
    page.click("a.prev")
    expect(page).to_have_url(re.compile(r"/papers/month/2025-11$"))  # December is empty
    page.click("a.next")
    expect(page).to_have_url(re.compile(r"/papers/month/2026-01$"))


def test_log_in_to_upvote_returns_to_the_card(page: Page, live_url: str, engine: Engine) -> None:
    """Item 2: the log-in page says why, the vote is applied, the reader is back at the card."""
    (key,) = _papers_on(engine, DAY)
    page.goto(live_url)
    card = page.locator(f"article.card[data-key='{key}']")
    expect(card.locator("button.upvote .count")).to_have_text("")  # no "▲ 0" noise
    card.locator("button.upvote").click()
    expect(page.locator(".why-login")).to_contain_text("Log in to upvote")
    page.click("main a:has-text('Sign up')")
    expect(page.locator(".why-login")).to_contain_text("Sign up to upvote")
    page.fill("input[name=email]", "voter@example.org")
    page.fill("input[name=username]", "voter")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/signup'] button[type=submit]")
    confirm_address(page, live_url, engine, "voter@example.org")  # the emailed link signs in
    expect(page).to_have_url(re.compile(rf"/#paper-{re.escape(key)}$"))
    expect(card.locator("button.upvote")).to_have_attribute("aria-pressed", "true")
    expect(card.locator("button.upvote .count")).to_have_text("1")
    page.goto(f"{live_url}/signup")  # the sign-up form knows the reader is in
    expect(page.locator("main")).to_contain_text("You are signed in as voter")
    expect(page.locator("input[name=password]")).to_have_count(0)
    page.goto(f"{live_url}/login")
    expect(page.locator("main")).to_contain_text("You are signed in as voter")


def test_votes_are_set_and_shown_on_every_card(page: Page, live_url: str, engine: Engine) -> None:
    """Item 2: a double click voted and unvoted; profile and collection cards showed no vote."""
    (key,) = _papers_on(engine, DAY)
    sign_up(page, live_url, "ada", engine)
    page.goto(live_url)
    button = page.locator(f"article.card[data-key='{key}'] button.upvote")
    button.dblclick()  # the second click comes while the first request is pending
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator(".count")).to_have_text("1")
    page.reload()
    expect(button).to_have_attribute("aria-pressed", "true")
    page.goto(f"{live_url}/users/ada")  # the profile shows the viewer's vote ...
    mine = page.locator(f"article.card[data-key='{key}'] button.upvote").first
    expect(mine).to_have_attribute("aria-pressed", "true")
    page.goto(f"{live_url}/papers/{key}")
    page.click("details.collect summary")
    page.fill("details.collect input[name=name]", "Reading group")
    page.click("details.collect button:has-text('Create and add')")
    expect(page.locator("p.saved")).to_contain_text("Saved to ‘Reading group’")
    page.click("p.saved a")  # ... and so does the collection page,
    in_collection = page.locator(f"article.card[data-key='{key}'] button.upvote")
    expect(in_collection).to_have_attribute("aria-pressed", "true")
    in_collection.click()  # where a click removes the vote (it used to add a second one)
    expect(in_collection).to_have_attribute("aria-pressed", "false")
    page.reload()
    expect(in_collection).to_have_attribute("aria-pressed", "false")
    expect(in_collection.locator(".count")).to_have_text("")


def test_pages_past_the_end_say_which_is_last(page: Page, live_url: str, engine: Engine) -> None:
    """Item 3: "54 papers" above "No papers listed", and raw 422 pages, for a page too far."""
    _papers_on(engine, DAY)
    for path in ("/papers?p=9999", "/papers?p=0", "/papers/date/2026-02-19?p=3"):
        page.goto(live_url + path)
        expect(page.locator(".page-missing")).to_contain_text("does not exist; the last page is 1")
        expect(page.locator("p.count")).to_have_count(0)
    page.click(".page-missing a")
    expect(page.locator(".card")).to_have_count(1)
    page.goto(f"{live_url}/search?q=paper&mode=keyword&p=9999")
    expect(page.locator(".page-missing")).to_contain_text(
        "Page 9999 does not exist; the last page is 1"
    )
    page.click(".page-missing a")
    expect(page.locator(".card")).to_have_count(1)
    screenshot(page, "search-after-paging")
