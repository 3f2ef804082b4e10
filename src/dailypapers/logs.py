"""Secrets never reach the logs: every log record is redacted when it is created.

`install_redaction(settings)` wraps the process's log record factory, so the redaction holds
for every logger and handler, including uvicorn's access log and handlers configured later.
It removes the secret key, the passwords in the database and SMTP URLs, Bearer and personal
API tokens, passwords and tokens in query strings, and the signed tokens in link paths
(password reset, subscription links). Exception texts are formatted and redacted too.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from typing import Any
from urllib.parse import unquote, urlsplit

from dailypapers.settings import Settings

MASK = "***"
_PATTERNS = [
    # user:password@ in any URL
    (re.compile(r"(?P<keep>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+(?=@)", re.I), rf"\g<keep>{MASK}"),
    (re.compile(r"(?P<keep>\bBearer\s+)[^\s'\",]+", re.I), rf"\g<keep>{MASK}"),
    (re.compile(r"\bdp_[A-Za-z0-9_-]{16,}"), f"dp_{MASK}"),
    (
        re.compile(r"(?P<keep>[?&;](?:password|passwd|token|secret|csrf_token|key)=)[^&\s\"']*"),
        rf"\g<keep>{MASK}",
    ),
    (
        re.compile(
            r"(?P<keep>/(?:password/reset|subscriptions|unsubscribe|subscribe/confirm)/)"
            r"[^/\s?\"']+"
        ),
        rf"\g<keep>{MASK}",
    ),
    (
        re.compile(r"(?P<keep>password['\"]?\s*[:=]\s*(?P<q>['\"]))(?:(?!(?P=q)).)*", re.I),
        rf"\g<keep>{MASK}",
    ),
    (re.compile(r"(?P<keep>password\s*[:=]\s*)[^'\"\s,}&]+", re.I), rf"\g<keep>{MASK}"),
]
_PLAIN = (str, int, float, bool, type(None))
_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def url_password(url: str) -> str | None:
    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None


def add_secrets(*values: str | None) -> None:
    """Literal values to mask wherever they appear (at least 6 characters)."""
    with _lock:
        _secrets.update(value for value in values if value and len(value) >= 6)


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_arg(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


def redact_record(record: logging.LogRecord) -> None:
    values = record.args.values() if isinstance(record.args, dict) else record.args or ()
    if not isinstance(record.msg, str) or not all(isinstance(v, _PLAIN) for v in values):
        record.msg, record.args = redact(record.getMessage()), ()  # objects: their text
    else:
        record.msg = redact(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_redact_arg(arg) for arg in record.args)
    elif isinstance(record.args, dict):
        record.args = {key: _redact_arg(value) for key, value in record.args.items()}
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
        record.exc_info = None  # the redacted text stands in for it
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install_redaction(settings: Settings) -> None:
    """Mask this configuration's secrets in every log record of the process (idempotent)."""
    global _installed
    add_secrets(
        settings.secret_key,
        url_password(settings.database_url),
        url_password(settings.smtp_url),
    )
    with _lock:
        if _installed:
            return
        _installed = True
    make_record = logging.getLogRecordFactory()

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        redact_record(record)
        return record

    logging.setLogRecordFactory(redacting_factory)
