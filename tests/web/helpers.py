"""Signing up and posting forms the way a browser does: with the CSRF cookie's token."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from dailypapers.web.security import CSRF_COOKIE


def csrf(client: TestClient) -> str:
    if CSRF_COOKIE not in client.cookies:
        client.get("/login")
    return client.cookies[CSRF_COOKIE]


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
