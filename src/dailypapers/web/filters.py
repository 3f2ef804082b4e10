"""Jinja filters and globals for pages. Autoescaping stays on; `linkify` escapes first."""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import quote

from jinja2 import Environment
from markupsafe import Markup, escape

from dailypapers.community.markup import render_comment
from dailypapers.web.security import csrf_token

_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def short_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value:%b} {value.day}, {value.year}"


def truncate_words(text: str, length: int = 280) -> str:
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def linkify(text: str) -> Markup:
    """Escape plain text, then make its http(s) links clickable."""
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        parts.append(str(escape(text[last : match.start()])))
        url = escape(match.group(0))
        parts.append(f'<a href="{url}" rel="nofollow ugc noopener">{url}</a>')
        last = match.end()
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts).replace("\n", "<br>\n"))  # noqa: S704 - every piece escaped


def initials(name: str) -> str:
    """Up to two capital letters for a generated avatar badge ("Hugging Face" -> "HF")."""
    letters = [word[0] for word in re.findall(r"[^\W_]+", name)]
    return "".join(letters[:2]).upper() or "?"


def url_part(value: str) -> str:
    return quote(value, safe="")


def install(env: Environment) -> None:
    env.filters["short_date"] = short_date
    env.filters["truncate_words"] = truncate_words
    env.filters["linkify"] = linkify
    env.filters["markdown"] = render_comment
    env.filters["url_part"] = url_part
    env.filters["initials"] = initials
    env.globals["csrf_token"] = csrf_token
