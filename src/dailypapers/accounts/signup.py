"""Sign-up that does not tell whether an address has an account.

A new address gets an unverified account and a verification link; an address that has an
account already gets an email saying so (with links to log in or reset the password), and
the person signing up sees the same "check your email" answer either way. Usernames are
public, so a taken one is said plainly.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dailypapers.accounts.emails import queue_signup_existing, queue_verification
from dailypapers.accounts.models import User
from dailypapers.accounts.passwords import hash_password
from dailypapers.accounts.service import (
    AccountError,
    check_password_rules,
    checked_email,
    checked_username,
    create_user,
    email_owner,
    username_taken,
)
from dailypapers.settings import Settings


def register(
    session: Session,
    settings: Settings,
    *,
    email: str,
    username: str,
    password: str,
    now: datetime,
    next_path: str = "/",
) -> tuple[int | None, User | None]:
    """Sign up; returns the outbox id of the email to send after the commit (None when the
    address's daily cap is reached) and the new account (None when the address had one).
    AccountError for input the form must correct."""
    address, name = checked_email(email), checked_username(username)
    check_password_rules(password, username=name, email=address)
    if username_taken(session, username=name):
        raise AccountError("That username is taken: choose another.")
    owner = email_owner(session, email=address)
    if owner is not None:
        hash_password(password)  # the same work as a new account, so timing does not tell
        return queue_signup_existing(session, settings, user=owner, now=now), None
    user = create_user(session, email=address, username=name, password=password)
    outbox_id = queue_verification(session, settings, user=user, now=now, next_path=next_path)
    return outbox_id, user
