"""Creating users, checking credentials, changing passwords."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.accounts.passwords import (
    hash_password,
    needs_rehash,
    verify_password,
)
from dailypapers.accounts.policy import PasswordRefused, check_password
from dailypapers.mail.addresses import AddressError, normalize_address

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,38}$")
# A real hash to verify against when the user does not exist, so timing does not tell.
_DUMMY_HASH = hash_password("not the password of anyone")


class AccountError(ValueError):
    """A sign-up or password change refused, with a message for the user."""


def checked_email(raw: str) -> str:
    """The address in its stored form, or AccountError saying what is wrong with it."""
    try:
        return normalize_address(raw)
    except AddressError as exc:
        raise AccountError(f"That email address cannot be used: {exc}") from None


def check_password_rules(password: str, *, username: str = "", email: str = "") -> None:
    """The password policy (accounts/policy.py), refusing with an AccountError."""
    try:
        check_password(password, username=username, email=email)
    except PasswordRefused as exc:
        raise AccountError(str(exc)) from None


def checked_username(raw: str) -> str:
    username = raw.strip()
    if not USERNAME.match(username):
        raise AccountError(
            "Usernames are 2-39 letters, digits, '-' or '_', starting with a letter or digit."
        )
    return username


def username_taken(session: Session, *, username: str) -> bool:
    query = select(User.id).where(func.lower(User.username) == username.lower())
    return session.scalar(query) is not None


def email_owner(session: Session, *, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def create_user(
    session: Session,
    *,
    email: str,
    username: str,
    password: str,
    role: str = "user",
    verified_at: datetime | None = None,
) -> User:
    """An account; `verified_at` for one whose address is known good (an operator's)."""
    email, username = checked_email(email), checked_username(username)
    check_password_rules(password, username=username, email=email)
    if username_taken(session, username=username) or email_owner(session, email=email):
        raise AccountError("That username or email address is already registered.")
    user = User(
        email=email,
        username=username,
        password_hash=hash_password(password),
        role=role,
        email_verified_at=verified_at,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, login: str, password: str) -> User | None:
    """The user whose username or email is `login`, if the password matches."""
    login = login.strip()
    user = session.scalar(
        select(User).where(
            or_(func.lower(User.username) == login.lower(), User.email == login.lower())
        )
    )
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def change_password(session: Session, *, user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError("The current password is not right.")
    check_password_rules(new, username=user.username, email=user.email)
    user.password_hash = hash_password(new)
    session.flush()


def user_by_username(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))
