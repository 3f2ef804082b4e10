"""Signing up and posting forms the way a browser does: with the token its page carries."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


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


def sign_up(
    client: TestClient, username: str = "reader", password: str = "correct horse battery"
) -> None:
    response = post_form(
        client,
        "/signup",
        {"email": f"{username}@example.org", "username": username, "password": password},
    )
    assert response.status_code == 303, response.text
