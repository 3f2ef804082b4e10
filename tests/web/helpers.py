"""Signing up and posting forms the way a browser does: with the token its page carries."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.mail.models import OutboxMessage

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(r"https?://[^/\s]+(/[^\s]+)")


def csrf(client: TestClient, page: str = "/login") -> str:
    """The token a page's forms carry for this browser; read again when its cookies change
    (the token is bound to the session)."""
    cache: dict[tuple[tuple[str, str], ...], str] = client.__dict__.setdefault("_csrf", {})
    key = tuple(sorted(client.cookies.items()))
    if key not in cache:
        found = TOKEN.search(client.get(page).text)
        assert found, f"no CSRF token on {page}"
        cache[tuple(sorted(client.cookies.items()))] = found.group(1)
        return found.group(1)
    return cache[key]


def post_form(client: TestClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
    return client.post(
        url, data={"csrf_token": csrf(client), **(data or {})}, follow_redirects=False, **kwargs
    )


def emailed_link(client: TestClient, to: str, kind: str = "verify_email") -> str:
    """The path of the link in the newest `kind` email queued for `to` (read from the
    outbox, as the mail server would get it)."""
    # its sending thread is done before the test goes on
    client.app.state.deliveries.join()  # type: ignore[attr-defined]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        body = conn.scalar(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.to_addr == to, OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id.desc())
        )
    assert body, f"no {kind} email for {to}"
    links = LINK.findall(body)  # the site's own address comes first: take the signed link
    assert links, body
    return max(links, key=len)


def sign_up(
    client: TestClient, username: str = "reader", password: str = "correct horse battery"
) -> None:
    """Sign up through the form, then confirm the address by the emailed link (which signs
    the browser in), as a new user does."""
    email = f"{username}@example.org"
    response = post_form(
        client, "/signup", {"email": email, "username": username, "password": password}
    )
    assert response.status_code == 200 and "Check your email" in response.text, response.text
    verified = post_form(client, emailed_link(client, email))
    assert verified.status_code == 303, verified.text
    client.app.state.deliveries.join()  # type: ignore[attr-defined]
