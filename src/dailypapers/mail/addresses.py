"""Email addresses: one check for sign-up, subscribing and password resets; one envelope form.

Syntax is checked by `email-validator` (no DNS look-ups: the server may be offline). Stored
addresses are always ASCII: a non-ASCII part before the @ is refused (SMTPUTF8 is not
used, and many servers do not take it), an internationalized domain is kept in its IDNA
(punycode) form. Quoted local parts, domain literals and `<>(),;:"[]\\` are refused.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 320
_PLAIN = re.compile(r"[^@\s<>]+@[^@\s<>]+")


class AddressError(ValueError):
    """An address that cannot be used; the message says why."""


def normalize_address(raw: str) -> str:
    """The one form an address is stored and sent in: ASCII, lower-cased, trimmed."""
    text = raw.strip()
    if len(text) > MAX_LENGTH or any(c.isspace() for c in text):
        raise AddressError(f"{text[:100]!r} is not an email address")
    try:
        checked = validate_email(
            text, check_deliverability=False, allow_smtputf8=False, allow_quoted_local=False
        )
    except EmailNotValidError as exc:
        raise AddressError(f"{text[:100]!r} is not an email address: {exc}") from None
    return str(checked.ascii_email).lower()  # one account or subscription per mailbox


def envelope_address(address: str) -> str:
    """`address` as it goes between the brackets of `MAIL FROM:<...>` and `RCPT TO:<...>`.

    Outbox rows written before addresses were checked may hold anything: what is not ASCII,
    holds a line break (which would inject SMTP commands) or is not one plain `local@domain`
    raises AddressError before a byte goes out.
    """
    shown = repr(address[:100])
    if "\r" in address or "\n" in address:
        raise AddressError(f"{shown}: a line break in an address")
    if not address.isascii():
        raise AddressError(f"{shown}: non-ASCII text in an address (SMTPUTF8 is not used)")
    if not _PLAIN.fullmatch(address):
        raise AddressError(f"{shown} is not an email address")
    return address
