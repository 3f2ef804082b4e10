"""Sign-up proves the address and does not tell whether it is taken; API tokens expire, die
with the password, and their creation is announced by email."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from dailypapers.accounts.models import ApiToken, User
from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.mail.models import OutboxMessage
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from tests.factories import make_paper
from tests.web.helpers import emailed_link, post_form, sign_up

PASSWORD = "correct horse battery"
TOKEN_SHOWN = 'id="new-token">'


def _signup(client: TestClient, email: str, username: str) -> str:
    form = {"email": email, "username": username, "password": PASSWORD}
    response = post_form(client, "/signup", form)
    assert response.status_code == 200, response.text
    return response.text.replace(email, "EMAIL").replace(username, "NAME")


def _kinds(engine: Engine, to: str) -> list[str]:
    with engine.connect() as conn:
        query = select(OutboxMessage.kind).where(OutboxMessage.to_addr == to)
        return list(conn.scalars(query.order_by(OutboxMessage.id)))


def _new_token(client: TestClient, **form: str) -> str:
    page = post_form(client, "/settings/tokens", {"name": "script", **form})
    assert page.status_code == 200, page.text
    return page.text.split(TOKEN_SHOWN, 1)[1].split("<", 1)[0]


def test_signup_answers_the_same_whether_or_not_the_address_is_taken(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    first = _signup(client, "ada@example.org", "ada")
    assert "Check your email" in first and "dp_session" not in str(client.cookies)
    with TestClient(create_app(settings)) as other:
        again = _signup(other, "ADA@example.org", "ada2")
    # its email's thread is done with the engine
    other.app.state.deliveries.join()  # type: ignore[attr-defined]
    other.app.state.engine.dispose()  # type: ignore[attr-defined]
    assert again == first.replace("ada@example.org", "EMAIL")
    assert _kinds(engine, "ada@example.org") == ["verify_email", "signup_existing"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(User)) == 1


def test_an_unverified_account_cannot_create_tokens_comment_or_submit(
    client: TestClient, engine: Engine
) -> None:
    with unit_of_work(engine) as session:
        key = make_paper(session).key
    _signup(client, "bo@example.org", "bo")
    assert post_form(client, "/login", {"login": "bo", "password": PASSWORD}).status_code == 303
    assert "not confirmed yet" in client.get("/settings").text
    assert post_form(client, "/settings/tokens", {"name": "x"}).status_code == 403
    assert post_form(client, f"/papers/{key}/comments", {"body": "hi"}).status_code == 403
    assert post_form(client, "/submit", {"arxiv": "2401.00001"}).status_code == 403
    assert post_form(client, f"/papers/{key}/upvote").status_code == 303  # voting is fine
    assert post_form(client, "/settings/verify").status_code == 303  # the link, again
    assert post_form(client, emailed_link(client, "bo@example.org")).status_code == 303
    assert _new_token(client).startswith("dp_")
    assert _kinds(engine, "bo@example.org")[-1] == "token_created"


def test_tokens_die_with_a_password_change_and_a_reset(client: TestClient, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        key = make_paper(session).key
    sign_up(client, "cy", password=PASSWORD)
    token = _new_token(client)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post(f"/api/papers/{key}/upvote", headers=bearer).status_code == 200
    assert "last used" in client.get("/settings").text
    changed = post_form(
        client, "/settings/password", {"current": PASSWORD, "new": "a second long password"}
    )
    assert changed.status_code == 200 and "API tokens revoked" in changed.text
    assert client.post(f"/api/papers/{key}/upvote", headers=bearer).status_code == 401
    token = _new_token(client)
    post_form(client, "/password/forgot", {"email": "cy@example.org"})
    reset = post_form(client, emailed_link(client, "cy@example.org", "password_reset"),
                      {"password": "a third long password"})  # fmt: skip
    assert reset.status_code == 200 and "API token revoked" in reset.text
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post(f"/api/papers/{key}/upvote", headers=bearer).status_code == 401


def test_tokens_can_expire(client: TestClient, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        key = make_paper(session).key
    sign_up(client, "di", password=PASSWORD)
    token = _new_token(client, expires_days="30")
    assert "expires" in client.get("/settings").text
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post(f"/api/papers/{key}/upvote", headers=bearer).status_code == 200
    with unit_of_work(engine) as session:
        session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.post(f"/api/papers/{key}/upvote", headers=bearer).status_code == 401
