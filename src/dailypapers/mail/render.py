"""Emails as templates: `templates/<kind>/subject.txt, body.txt, body.html` per kind.

HTML templates are autoescaped; their `<style>` is moved into `style` attributes by
css-inline, since many mail clients drop style sheets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

KINDS = (
    "digest",
    "confirm",
    "manage",
    "password_reset",
    "verify_email",
    "signup_existing",
    "token_created",
)


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def http_url(value: str | None) -> str | None:
    """A link only when it is an http(s) URL: nothing else goes into an href."""
    if value and value.lower().startswith(("https://", "http://")):
        return value
    return None


def url_part(value: str) -> str:
    """One path segment: `hep-th/9901001` -> `hep-th%2F9901001` (every reserved character)."""
    return quote(value, safe="")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("dailypapers.mail", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["http_url"] = http_url
    env.filters["url_part"] = url_part
    return env


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def render_email(kind: str, context: dict[str, Any]) -> RenderedEmail:
    if kind not in KINDS:
        raise ValueError(f"no email templates for kind {kind!r}")
    env = _environment()
    subject = env.get_template(f"{kind}/subject.txt").render(context)
    text = env.get_template(f"{kind}/body.txt").render(context)
    html = env.get_template(f"{kind}/body.html").render(context)
    return RenderedEmail(" ".join(subject.split()), text, _inliner().inline(html))
