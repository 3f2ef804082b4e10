"""Sign-up, log-in, log-out, password change, tokens; cookies and CSRF."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dailypapers.accounts.models import User, UserSession
from dailypapers.db.engine import unit_of_work
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.security import CSRF_COOKIE, SESSION_COOKIE
from tests.web.helpers import csrf, emailed_link, post_form, sign_up


def test_signup_stores_an_argon2_hash_and_signs_in(client: TestClient, engine: Engine) -> None:
    sign_up(client, "ada")
    with unit_of_work(engine) as session:
        user = session.scalar(select(User).where(User.username == "ada"))
        assert user is not None and user.password_hash.startswith("$argon2id$")
    assert "ada" in client.get("/").text
    assert client.get("/settings").status_code == 200


def test_session_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    post_form(
        client,
        "/signup",
        {"email": "b@example.org", "username": "bob", "password": "long enough pw"},
    )
    response = post_form(client, emailed_link(client, "b@example.org"))  # signs in
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_signup_refusals_are_explained(client: TestClient) -> None:
    sign_up(client, "ada")
    client.cookies.delete(SESSION_COOKIE)
    taken = post_form(
        client,
        "/signup",
        {"email": "x@example.org", "username": "ADA", "password": "long enough pw"},
    )
    assert taken.status_code == 400 and "username is taken" in taken.text
    short = post_form(
        client, "/signup", {"email": "y@example.org", "username": "yy", "password": "short"}
    )
    assert short.status_code == 400 and "at least 8 characters" in short.text


def test_login_logout_and_a_new_session_id(client: TestClient, engine: Engine) -> None:
    sign_up(client, "ada", password="first password")
    first = client.cookies[SESSION_COOKIE]
    assert post_form(client, "/logout").status_code == 303
    assert (
        client.get("/settings", follow_redirects=False).headers["location"]
        == "/login?next=/settings"
    )
    wrong = post_form(client, "/login", {"login": "ada", "password": "nope nope"})
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
    ok = post_form(
        client,
        "/login",
        {"login": "ada@example.org", "password": "first password", "next": "/settings"},
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/settings"
    assert client.cookies[SESSION_COOKIE] != first
    with unit_of_work(engine) as session:
        assert len(list(session.scalars(select(UserSession)))) == 1  # logout ended the first


def test_next_never_leaves_the_site(client: TestClient) -> None:
    sign_up(client, "ada", password="first password")
    post_form(client, "/logout")
    response = post_form(
        client, "/login", {"login": "ada", "password": "first password", "next": "//evil.example/x"}
    )
    assert response.headers["location"] == "/"


def test_forms_without_the_csrf_token_are_refused(client: TestClient) -> None:
    csrf(client)
    response = client.post(
        "/signup",
        data={"email": "c@example.org", "username": "carol", "password": "long enough pw"},
        follow_redirects=False,
    )
    assert response.status_code == 403 and "security token" in response.text
    forged = client.post(
        "/signup",
        data={
            "csrf_token": "x" * 43,
            "email": "c@example.org",
            "username": "carol",
            "password": "long enough pw",
        },
    )
    assert forged.status_code == 403


def test_change_password_and_api_tokens(client: TestClient, engine: Engine) -> None:
    sign_up(client, "ada", password="first password")
    bad = post_form(
        client, "/settings/password", {"current": "wrong one!", "new": "second password"}
    )
    assert bad.status_code == 400 and "current password is not right" in bad.text
    good = post_form(
        client, "/settings/password", {"current": "first password", "new": "second password"}
    )
    assert good.status_code == 200 and "Password changed" in good.text
    post_form(client, "/logout")
    assert (
        post_form(client, "/login", {"login": "ada", "password": "second password"}).status_code
        == 303
    )
    created = post_form(client, "/settings/tokens", {"name": "script"})
    assert 'id="new-token">dp_' in created.text


def test_login_is_rate_limited(client: TestClient) -> None:
    csrf(client)
    codes = [  # a new name each time: the per-account back-off (tests/hardening) stays out
        post_form(client, "/login", {"login": f"nobody{n}", "password": "whatever1"}).status_code
        for n in range(11)
    ]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429
    limited = post_form(client, "/login", {"login": "nobody", "password": "whatever1"})
    assert int(limited.headers["retry-after"]) > 0


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_the_csrf_token_is_bound_to_the_session(client: TestClient, settings: Settings) -> None:
    planted = "a" * 43  # a cookie someone else set, and the same value in the form
    client.cookies.set(CSRF_COOKIE, planted)
    form = {"email": "c@example.org", "username": "carol", "password": "long enough pw"}
    forged = client.post("/signup", data={**form, "csrf_token": planted}, follow_redirects=False)
    assert forged.status_code == 403
    anonymous = csrf(client)
    sign_up(client, "carol", password="long enough pw")
    stale = client.post("/logout", data={"csrf_token": anonymous}, follow_redirects=False)
    assert stale.status_code == 403  # the visitor's token does not work in the new session
    with TestClient(create_app(settings)) as other:
        sign_up(other, "dave", password="long enough pw")
        carols = csrf(client)
        theirs = other.post("/logout", data={"csrf_token": carols}, follow_redirects=False)
        assert theirs.status_code == 403
    other.app.state.engine.dispose()  # type: ignore[attr-defined]
    assert post_form(client, "/logout").status_code == 303
