"""The subscription pages: subscribe, confirm, manage, unsubscribe (one click), admin preview.

Most go through the in-process client; the links of a real digest are followed over a real
socket, on a uvicorn server, as a mail reader would.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.accounts.sessions import start_session
from dailypapers.db.engine import unit_of_work
from dailypapers.digest.run import send_digests
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.security import SESSION_COOKIE
from tests.digest.helpers import FRIDAY, THURSDAY, list_papers, subscribers, subscription
from tests.digest.smtp_sink import SmtpSink
from tests.factories import make_user
from tests.web.helpers import csrf

PAPERS = {"Robots That Read Papers": 4, "Vision Transformers <script>x</script>": 2}


@pytest.fixture
def client(mail_settings: Settings) -> Iterator[TestClient]:
    app = create_app(mail_settings)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


@pytest.fixture
def live(mail_settings: Settings) -> Iterator[Settings]:
    """A uvicorn server on a free port; yields the settings whose base_url points at it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    settings = mail_settings.model_copy(
        update={"base_url": f"http://127.0.0.1:{sock.getsockname()[1]}"}
    )
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield settings
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    app.state.engine.dispose()


def _csrf(client: TestClient, page: str = "/subscribe") -> str:
    return csrf(client, page)


def _links(text: str, base: str) -> set[str]:
    return {m.rstrip(".,") for m in re.findall(re.escape(base) + r"[^\s\"<>]*", text)}


def test_subscribing_from_the_form_confirms_by_email(
    client: TestClient, engine: Engine, smtp: SmtpSink
) -> None:
    home = client.get("/")  # list pages send the address on to /subscribe, to confirm
    assert '<form class="subscribe" action="/subscribe" method="get">' in home.text
    page = client.get("/subscribe", params={"email": "Ada@Example.org", "frequency": "weekly"})
    assert page.status_code == 200 and 'value="Ada@Example.org"' in page.text
    token = csrf(client, "/subscribe")
    assert f'name="csrf_token" value="{token}"' in page.text
    assert client.post("/subscribe", data={"email": "ada@example.org"}).status_code == 403
    bad = client.post("/subscribe", data={"email": "not-an-address", "csrf_token": token})
    assert bad.status_code == 400 and "is not an email address" in bad.text
    sent = client.post(
        "/subscribe", data={"email": "Ada@Example.org", "frequency": "weekly", "csrf_token": token}
    )
    assert sent.status_code == 200 and "Check your inbox" in sent.text
    assert "weekly digest" in sent.text and "ada@example.org" in sent.text.lower()
    smtp.handler.wait_for(1)  # delivered after the response, once the request committed
    # the sending thread is done before this test's database goes
    client.app.state.deliveries.join()  # type: ignore[attr-defined]
    (mail,) = smtp.handler.parsed("ada@example.org")
    assert mail["Subject"] == "Confirm your dailypapers subscription"
    assert "List-Unsubscribe" not in mail  # not a list message
    (link,) = _links(mail.get_body(("plain",)).get_content(), "http://testserver/subscribe/")
    path = link.removeprefix("http://testserver")
    assert client.get(path).status_code == 200  # a page with a button: GET changes nothing
    assert subscription(engine, "ada@example.org").status == "pending"
    done = client.post(path, data={"csrf_token": token})
    assert done.status_code == 200 and "Subscription confirmed" in done.text
    assert "ada@example.org</strong> gets the weekly digest" in done.text.lower()
    sub = subscription(engine, "ada@example.org")
    assert (sub.status, sub.frequency) == ("active", "weekly")
    assert client.post("/subscribe/confirm/forged", data={"csrf_token": token}).status_code == 400


def test_the_manage_page_changes_topics_and_escapes_them(
    client: TestClient, engine: Engine, mail_settings: Settings
) -> None:
    (sub_id,) = subscribers(engine, mail_settings, ["bo@example.org"])
    from dailypapers.digest.tokens import manage_token

    token = manage_token(mail_settings.secret_key, subscription_id=sub_id, email="bo@example.org")
    page = client.get(f"/subscriptions/{token}")
    assert page.status_code == 200 and "bo@example.org" in page.text
    token_field = csrf(client, f"/subscriptions/{token}")
    saved = client.post(
        f"/subscriptions/{token}",
        data={"frequency": "weekly", "topics": "cat:cs.CV\n<script>alert(1)</script>\n",
              "csrf_token": token_field},
    )  # fmt: skip
    assert saved.status_code == 200 and "Saved." in saved.text
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in saved.text and "<script>alert" not in saved.text
    )
    sub = subscription(engine, "bo@example.org")
    assert (sub.frequency, sub.topics) == (
        "weekly", {"queries": ["<script>alert(1)</script>"], "categories": ["cs.CV"]},
    )  # fmt: skip
    form = {"frequency": "daily", "topics": "org:", "csrf_token": token_field}
    refused = client.post(f"/subscriptions/{token}", data=form)
    assert refused.status_code == 400 and "has nothing after org:" in refused.text
    assert subscription(engine, "bo@example.org").frequency == "weekly"
    assert client.get(f"/subscriptions/{token}x").status_code == 400


def test_the_links_of_a_digest_open_real_pages_and_one_click_unsubscribes(
    live: Settings, engine: Engine, smtp: SmtpSink
) -> None:
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, PAPERS)
    subscribers(engine, live, ["reader@example.org"])
    send_digests(engine, live, day=FRIDAY)
    (mail,) = smtp.handler.parsed("reader@example.org")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    links = _links(text, live.base_url) | _links(html, live.base_url)
    assert len([link for link in links if "/papers/" in link]) == 2
    assert any("/subscriptions/" in link for link in links)
    with httpx.Client() as browser:
        for link in sorted(links):
            assert browser.get(link).status_code == 200, link
    assert subscription(engine, "reader@example.org").status == "active"  # GETs change nothing
    unsubscribe_url = re.findall(r"<(http[^>]+)>", mail["List-Unsubscribe"])[0]
    assert unsubscribe_url in links
    # RFC 8058: the mail client POSTs this body, with no cookie and no CSRF token
    response = httpx.post(unsubscribe_url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert subscription(engine, "reader@example.org").status == "unsubscribed"
    send_digests(engine, live, day=FRIDAY + timedelta(days=3))
    assert smtp.handler.total == 1
    forged = unsubscribe_url[:-3] + "abc"
    assert httpx.post(forged, data={"List-Unsubscribe": "One-Click"}).status_code == 400
    # the digest's manage link died with the unsubscribe: it cannot revive the subscription
    manage_url = next(link for link in links if "/subscriptions/" in link)
    with httpx.Client() as browser:
        assert browser.get(manage_url).status_code == 400
        assert browser.post(unsubscribe_url, data={"List-Unsubscribe": "One-Click"}).is_success
    assert subscription(engine, "reader@example.org").status == "unsubscribed"


def test_the_admin_preview_shows_what_a_subscriber_would_get(
    client: TestClient, engine: Engine, mail_settings: Settings
) -> None:
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, PAPERS)
        admin = make_user(session, role="admin")
        reader = make_user(session)
        admin_cookie, reader_cookie = (
            start_session(session, user=admin),
            start_session(session, user=reader),
        )
    subscribers(engine, mail_settings, ["who@example.org"])
    url = "/admin/digest/preview?email=who@example.org&date=2026-02-20"
    assert client.get(url, follow_redirects=False).status_code == 303  # to the log-in page
    client.cookies.set(SESSION_COOKIE, reader_cookie)
    assert client.get(url).status_code == 403
    client.cookies.set(SESSION_COOKIE, admin_cookie)
    page = client.get(url)
    assert page.status_code == 200
    assert "Daily Papers, Feb 19, 2026: 2 papers" in page.text
    assert "Vision Transformers &lt;script&gt;" in page.text
    framed = client.get(url.replace("preview?", "preview.html?"))
    assert framed.status_code == 200 and "Robots That Read Papers" in framed.text
    assert "style-src 'unsafe-inline'" in framed.headers["content-security-policy"]
    assert client.get("/admin/digest/preview?email=nobody@example.org").status_code == 404
