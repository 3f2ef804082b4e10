"""Debian's Chromium driven by Playwright against a live server. Missing Chromium fails loudly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, select

from dailypapers.mail.models import OutboxMessage
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from tests.live_server import serve_in_thread
from tests.web.helpers import LINK

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
expect.set_options(timeout=15_000)  # the machine is small and may be busy
LIVE_APPS: dict[str, FastAPI] = {}  # the app served at each live URL, while it runs
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Browser tests run on SQLite; the same pages run on PostgreSQL in tests/web."""
    return request.param


@pytest.fixture
def live_url(settings: Settings) -> Iterator[str]:
    app = create_app(settings)
    with serve_in_thread(app) as url:
        app.state.settings = settings.model_copy(update={"base_url": url})
        LIVE_APPS[url] = app
        yield url
        del LIVE_APPS[url]
    app.state.deliveries.join()  # emails sent after a commit (sign-up, tokens) finish
    app.state.engine.dispose()


@pytest.fixture(params=list(VIEWPORTS))
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    page = context.new_page()
    page.viewport_name = request.param  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.dialogs = []  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))  # type: ignore[attr-defined]
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}-{page.viewport_name}.png"  # type: ignore[attr-defined]
    page.screenshot(path=str(path), full_page=True)
    return path


def confirm_address(page: Page, live_url: str, engine: Engine, email: str) -> None:
    """After signing up: open the emailed link (read from the outbox) and press its button,
    as the new user does in their mail client."""
    expect(page.locator("p.message")).to_contain_text("Check your email")
    LIVE_APPS[live_url].state.deliveries.join()
    with engine.connect() as conn:
        body = conn.scalar(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.to_addr == email, OutboxMessage.kind == "verify_email")
            .order_by(OutboxMessage.id.desc())
        )
    path = max(LINK.findall(body or ""), key=len)
    page.goto(live_url + path)
    page.click("button:has-text('Confirm my address')")


PASSWORD = "a long password"


def sign_up(page: Page, base: str, username: str, engine: Engine) -> None:
    page.goto(f"{base}/signup")
    page.fill("input[name=email]", f"{username}@example.org")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/signup'] button[type=submit]")
    confirm_address(page, base, engine, f"{username}@example.org")
    expect(page.locator("nav.account .me")).to_have_text(username)
