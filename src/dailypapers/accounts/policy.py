"""Which passwords are refused (NIST SP 800-63B, 5.1.1.2): too short or long, blank, the
account's own name or address, or one of the most common passwords.

The common ones are a local list shipped with the package (`common_passwords.txt`, 11,611
passwords of 8+ characters from zxcvbn's list), compared without regard to case.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from dailypapers.accounts.passwords import MAX_LENGTH, MIN_LENGTH


class PasswordRefused(ValueError):
    """A password the policy refuses; the message says why."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = files("dailypapers.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password(password: str, *, username: str = "", email: str = "") -> None:
    """Raise PasswordRefused for a password the policy does not accept."""
    if len(password) < MIN_LENGTH:
        raise PasswordRefused(f"Passwords have at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise PasswordRefused(f"Passwords have at most {MAX_LENGTH} characters.")
    if not password.strip():
        raise PasswordRefused("A password made only of spaces is refused.")
    folded = password.strip().casefold()
    own = {name.strip().casefold() for name in (username, email, email.partition("@")[0])}
    if folded in own - {""}:
        raise PasswordRefused("A password must not be your username or email address.")
    if folded in common_passwords():
        raise PasswordRefused(
            "That password is one of the most common ones, which are tried first: choose another."
        )
