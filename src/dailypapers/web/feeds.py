"""Rendering a list as a feed (RSS 2.0 or Atom), and serving it cached like the API.

The feeds of each resource (lists, search, orgs, authors, collections) live beside its page
and render the same data function's result. Feeds are cached per query and the versions
they show, with ETag. Text stays text: Atom says `type="text"`; RSS descriptions, which
readers treat as HTML, carry the abstract HTML-escaped. Characters that XML 1.0 cannot hold
are dropped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal
from urllib.parse import quote

from fastapi import Response
from feedgen.feed import FeedGenerator
from sqlalchemy.orm import Session

from dailypapers.changes.version import ALL_VOTES, VoteScope, current_version
from dailypapers.papers.listings import Listing
from dailypapers.web.cache import RequestCache
from dailypapers.web.deps import absolute_base
from dailypapers.web.kept_answers import Rendered

Format = Literal["rss", "atom"]
MEDIA_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FEED_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {MEDIA_TYPES["rss"]: {}, MEDIA_TYPES["atom"]: {}}},
    304: {"description": "Not modified (If-None-Match matched the ETag)."},
    400: {"description": "A malformed day, week or month, or a search without words."},
    404: {"description": "No such organization or author."},
}


@dataclass(frozen=True, slots=True)
class FeedContent:
    title: str
    page: str  # the page's path, e.g. /papers/date/2026-02-19
    listed: list[Listing]
    updated: datetime


def xml_text(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def render_feed(content: FeedContent, fmt: Format, base_url: str, self_path: str) -> Rendered:
    fg = FeedGenerator()
    fg.load_extension("dc")
    page = base_url + content.page
    fg.id(page)
    fg.title(xml_text(f"dailypapers: {content.title}"))
    fg.link(href=base_url + self_path, rel="self")
    fg.link(href=page, rel="alternate")
    fg.description(xml_text(f"Papers on dailypapers: {content.title}"))
    fg.language("en")
    fg.updated(content.updated)
    for listing in content.listed:
        _entry(fg, listing, fmt, base_url)
    body = fg.rss_str(pretty=False) if fmt == "rss" else fg.atom_str(pretty=False)
    return Rendered(body, MEDIA_TYPES[fmt])


def _entry(fg: FeedGenerator, listing: Listing, fmt: Format, base_url: str) -> None:
    paper = listing.paper
    url = f"{base_url}/papers/{quote(paper.key, safe='')}"
    fe = fg.add_entry(order="append")
    fe.id(url)
    fe.guid(url, permalink=True)
    fe.title(xml_text(paper.title))
    fe.link(href=url, rel="alternate")  # one link: feedgen drops `rel` on entry links
    abstract = xml_text(paper.abstract)
    if fmt == "atom":
        fe.summary(abstract)  # Atom: type="text", shown as it is
    else:
        fe.description(html.escape(abstract))  # RSS readers read HTML: escape once more
    names = [xml_text(name) for name in listing.card.authors]
    for name in names:
        fe.author({"name": name})
    if names:
        fe.dc.dc_creator(names)
    for category in paper.categories or []:
        fe.category(term=xml_text(category))
    stamp = _entry_time(listing)
    fe.published(stamp)
    fe.updated(max(stamp, paper.updated_at or stamp))


def _entry_time(listing: Listing) -> datetime:
    if listing.submitted_at:
        return listing.submitted_at
    if listing.paper.published_at:
        return listing.paper.published_at
    return datetime.combine(listing.listed_on or date(1970, 1, 1), time(0), tzinfo=UTC)


async def serve_feed(
    cache: RequestCache,
    fmt: Format,
    content: Callable[[Session], FeedContent],
    *,
    ttl: float | None = None,
    votes: VoteScope = ALL_VOTES,
) -> Response:
    """The feed at this URL (path and query name it whole), cached like the API; `votes`:
    the votes it shows (feeds show no counts, but lists are ordered by them)."""
    request = cache.request
    self_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    base_url = absolute_base(request)

    def render(session: Session) -> Rendered:
        return render_feed(content(session), fmt, base_url, self_path)

    return await cache.serve(("feed", self_path, base_url), render, ttl=ttl, votes=votes)


def feed_content(session: Session, title: str, page: str, listed: list[Listing]) -> FeedContent:
    """A feed of `listed`, updated when the site last changed."""
    return FeedContent(title, page, listed, current_version(session).changed_at)
