"""Comments as Markdown: CommonMark rendered by markdown-it-py, then sanitized by nh3.

Links, emphasis, code, lists and quotes survive; images and raw HTML never do, and every
link (bare `https://` and `www.` ones included) opens with `rel="nofollow ugc noopener"`.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_TAGS = {
    "a", "p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "del",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    parser.enable(["linkify", "strikethrough"])
    parser.disable("image")
    return parser


def render_comment(body: str) -> Markup:
    """Safe HTML for a comment body written in Markdown."""
    html = _parser().render(body)
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )
    return Markup(clean)  # noqa: S704 - sanitized by nh3 just above
