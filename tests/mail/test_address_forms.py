"""Sign-up, subscribing and password resets refuse the same addresses with a clear message,
and write nothing for them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from dailypapers.accounts.models import User
from dailypapers.digest.models import Subscription
from dailypapers.mail.models import OutboxMessage
from tests.web.helpers import post_form

NON_ASCII = "sü4@example.org"


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table)) or 0


@pytest.mark.parametrize("address", [NON_ASCII, '"quoted"@example.org', "a;b@example.org"])
def test_signup_subscribe_and_reset_refuse_the_same_addresses(
    client: TestClient, engine: Engine, address: str
) -> None:
    form = {"email": address, "username": "sue", "password": "a fine long password"}
    signup = post_form(client, "/signup", form)
    assert signup.status_code == 400 and "cannot be used" in signup.text
    subscribe = post_form(client, "/subscribe", {"email": address})
    assert subscribe.status_code == 400 and "not an email address" in subscribe.text
    forgot = post_form(client, "/password/forgot", {"email": address})
    assert forgot.status_code == 400 and "not an email address" in forgot.text
    assert [_count(engine, t) for t in (User, Subscription, OutboxMessage)] == [0, 0, 0]
