"""arXiv's query API (Atom): by category and submission dates, by ids, or by a query.

Pages through the results `page_size` at a time through `PoliteFetcher` (one request every
few seconds, retries on 429, 5xx and the API's occasional empty pages), parses each page with
feedparser and stops at the end. https://info.arxiv.org/help/api/user-manual.html
"""

from __future__ import annotations

import calendar
import logging
import re
import xml.sax
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import feedparser
import httpx

from dailypapers.ingest.http import FetchError, PoliteFetcher
from dailypapers.ingest.normalize import (
    clean_text,
    collapse_whitespace,
    extract_links,
    normalize_author_name,
)
from dailypapers.ingest.records import PaperRecord, RecordError, Rejected, checked

log = logging.getLogger(__name__)

_ABS_ID = re.compile(r"arxiv\.org/abs/(?P<id>.+?)(?:v(?P<version>\d+))?$")
ERROR_ID = "arxiv.org/api/errors"


@dataclass(frozen=True, slots=True)
class ArxivQuery:
    """What to ask the API: a search query and/or a list of ids."""

    search_query: str = ""
    id_list: tuple[str, ...] = ()
    sort_by: str = "submittedDate"  # relevance | lastUpdatedDate | submittedDate
    sort_order: str = "ascending"

    @classmethod
    def category(cls, category: str, start: date, end: date) -> ArxivQuery:
        """Papers of `category` first submitted from `start` to `end`, both included."""
        span = f"[{start:%Y%m%d}0000 TO {end:%Y%m%d}2359]"
        return cls(search_query=f"cat:{category} AND submittedDate:{span}")

    @classmethod
    def ids(cls, ids: Sequence[str]) -> ArxivQuery:
        return cls(id_list=tuple(ids), sort_by="relevance", sort_order="descending")

    @classmethod
    def search(cls, query: str) -> ArxivQuery:
        return cls(search_query=query, sort_by="relevance", sort_order="descending")

    def params(self, start: int, size: int) -> dict[str, Any]:
        return {
            "search_query": self.search_query,
            "id_list": ",".join(self.id_list),
            "sortBy": self.sort_by,
            "sortOrder": self.sort_order,
            "start": start,
            "max_results": size,
        }


class ArxivClient:
    """Iterate over the records matching a query, page after page."""

    def __init__(self, url: str, fetcher: PoliteFetcher, *, page_size: int = 100) -> None:
        self.url = url
        self.fetcher = fetcher
        self.page_size = page_size

    def records(
        self, query: ArxivQuery, *, limit: int | None = None, daily: bool = False
    ) -> Iterator[PaperRecord | Rejected]:
        """Every record of `query` (at most `limit`); `daily` lists each on its v1 day."""
        start = 0
        while limit is None or start < limit:
            size = self.page_size if limit is None else min(self.page_size, limit - start)
            feed = self._page(query, start, size)
            entries = feed.entries
            for number, entry in enumerate(entries, start=start + 1):
                yield _record_or_rejection(entry, number, daily)
            start += len(entries)
            total = _total(feed)
            if not entries or (total is not None and start >= total):
                return
            if total is None and len(entries) < size:
                return

    def _page(self, query: ArxivQuery, start: int, size: int) -> Any:
        """One page, parsed; pages that are empty before the end are retried."""
        feeds: dict[int, Any] = {}

        def usable(response: httpx.Response) -> bool:
            feed = feedparser.parse(response.content)
            feeds[id(response)] = feed
            if _malformed(feed):
                return False
            total = _total(feed)
            return bool(feed.entries) or (total is not None and start >= total) or total == 0

        response = self.fetcher.get(self.url, query.params(start, size), accept=usable)
        if response.status_code != 200:
            raise FetchError(f"arXiv refused the query: {_error_message(response)}")
        feed = feeds[id(response)]
        log.info("arXiv API: %d entries from %d (%s)", len(feed.entries), start, query)
        return feed


def _malformed(feed: Any) -> bool:
    return bool(feed.bozo) and isinstance(feed.get("bozo_exception"), xml.sax.SAXException)


def _total(feed: Any) -> int | None:
    try:
        return int(feed.feed["opensearch_totalresults"])
    except (KeyError, TypeError, ValueError):
        return None


def _error_message(response: httpx.Response) -> str:
    feed = feedparser.parse(response.content)
    for entry in feed.entries:
        if ERROR_ID in entry.get("id", ""):
            return f"HTTP {response.status_code}: {entry.get('summary', 'no reason given')}"
    return f"HTTP {response.status_code}: {response.text[:200]}"


def _record_or_rejection(entry: Any, number: int, daily: bool) -> PaperRecord | Rejected:
    ref = entry.get("id") or f"entry {number}"
    try:
        return parse_atom_entry(entry, daily=daily)
    except RecordError as exc:
        return Rejected(f"entry {number} ({ref})", str(exc))


def parse_atom_entry(entry: Any, *, daily: bool = False) -> PaperRecord:
    """One Atom entry (feedparser) as a normalized record."""
    raw_id = entry.get("id") or ""
    if ERROR_ID in raw_id:
        raise RecordError(f"an error entry: {entry.get('summary', '')}")
    match = _ABS_ID.search(raw_id)
    if match is None:
        raise RecordError("missing or unreadable id")
    title = clean_text(entry.get("title"))
    if not title:
        raise RecordError("missing title")
    raw_abstract = entry.get("summary") or ""
    raw_comments = entry.get("arxiv_comment")
    links = extract_links(raw_abstract, raw_comments)
    categories = [t["term"] for t in entry.get("tags", []) if t.get("term")]
    primary = (entry.get("arxiv_primary_category") or {}).get("term")
    published = _time(entry.get("published_parsed"))
    names = (normalize_author_name(a.get("name", "")) for a in entry.get("authors", []))
    record = PaperRecord(
        title=title,
        abstract=clean_text(raw_abstract),
        arxiv_id=match["id"],
        arxiv_version=int(match["version"]) if match["version"] else None,
        authors=[name for name in names if name],
        published_at=published,
        updated_at=_time(entry.get("updated_parsed")),
        categories=categories,
        primary_category=primary or (categories[0] if categories else None),
        comments=collapse_whitespace(raw_comments) if raw_comments else None,
        journal_ref=_clean(entry.get("arxiv_journal_ref")),
        doi=_clean(entry.get("arxiv_doi")),
        code_url=links.code_url,
        project_url=links.project_url,
        listed_on=published.date() if daily and published else None,
    )
    return checked(record)


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


def _clean(value: Any) -> str | None:
    return collapse_whitespace(value) or None if isinstance(value, str) else None
