"""The password policy: 8 characters at least, not blank, not the account's own name or
address, not one of the most common passwords (a local list of 10,000 and more)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dailypapers.accounts.policy import PasswordRefused, check_password, common_passwords
from tests.web.helpers import post_form, sign_up


def test_the_shipped_list_is_large_and_holds_the_usual_suspects() -> None:
    listed = common_passwords()
    assert len(listed) >= 10_000
    assert {"password", "iloveyou", "baseball", "12345678", "password1"} <= listed


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 8"),
        (" " * 12, "only of spaces"),
        ("\t \u00a0\u2003  \n  ", "only of spaces"),
        ("adalovelace", "username or email"),
        ("AdaLovelace", "username or email"),
        ("ada@example.org", "username or email"),
        ("Password1", "most common"),
        ("iloveyou", "most common"),
        ("  BASEBALL  ", "most common"),
    ],
)
def test_refused_passwords(password: str, reason: str) -> None:
    with pytest.raises(PasswordRefused, match=reason):
        check_password(password, username="adalovelace", email="ada@example.org")


def test_a_good_password_passes() -> None:
    check_password("correct horse battery", username="adalovelace", email="ada@example.org")


def test_signup_change_and_reset_apply_the_policy(client: TestClient) -> None:
    form = {"email": "ada@example.org", "username": "adalovelace"}
    for password, reason in [("iloveyou", "most common"), ("adalovelace", "username")]:
        refused = post_form(client, "/signup", {**form, "password": password})
        assert refused.status_code == 400 and reason in refused.text
    sign_up(client, "adalovelace", password="first password")
    changed = post_form(
        client, "/settings/password", {"current": "first password", "new": "baseball"}
    )
    assert changed.status_code == 400 and "most common" in changed.text
