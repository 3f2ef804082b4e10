"""Jinja filters for pages: dates and short abstracts. Autoescaping stays on."""

from __future__ import annotations

from datetime import date, datetime

from jinja2 import Environment


def short_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value:%b} {value.day}, {value.year}"


def truncate_words(text: str, length: int = 280) -> str:
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def install(env: Environment) -> None:
    env.filters["short_date"] = short_date
    env.filters["truncate_words"] = truncate_words
