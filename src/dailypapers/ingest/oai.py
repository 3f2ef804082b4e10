"""OAI-PMH harvesting of arXiv (`ListRecords`, `metadataPrefix=arXiv`), resumable.

The harvester follows resumption tokens page after page. `harvest` loads each page in one
transaction together with the token of the next page (in `harvest_state`), so a harvest
killed at any moment resumes where it stopped; the state is removed when the list ends.
https://www.openarchives.org/OAI/openarchivesprotocol.html
"""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from dailypapers.db.base import utcnow
from dailypapers.ingest.http import PoliteFetcher
from dailypapers.ingest.normalize import (
    clean_text,
    collapse_whitespace,
    extract_links,
    normalize_author_name,
)
from dailypapers.ingest.pipeline import load_committed
from dailypapers.ingest.records import (
    PaperRecord,
    RecordError,
    Rejected,
    SourceError,
    checked,
)
from dailypapers.ingest.run import Source
from dailypapers.ingest.summary import ImportSummary
from dailypapers.jobs.models import HarvestState

log = logging.getLogger(__name__)

ARXIV_PREFIX = "oai:arXiv.org:"


class OaiError(SourceError):
    """The repository answered with an OAI-PMH error, or an unreadable page."""


@dataclass(slots=True)
class OaiPage:
    number: int
    items: list[PaperRecord | Rejected]
    token: str | None  # the next page's resumption token; None at the end of the list
    deleted: int = 0  # records marked deleted by the repository (left alone here)
    complete_size: int | None = None


@dataclass(slots=True)
class OaiHarvester:
    url: str
    fetcher: PoliteFetcher
    daily: bool = False
    pages_read: int = field(default=0)

    def pages(
        self,
        *,
        set_spec: str | None,
        start: date | None,
        end: date | None,
        token: str | None = None,
        first_page: int = 1,
    ) -> Iterator[OaiPage]:
        """Every page of the list, from `token` (page `first_page`) when resuming."""
        number = first_page - 1
        while True:
            number += 1
            if token:
                params: dict[str, Any] = {"verb": "ListRecords", "resumptionToken": token}
            else:
                params = {"verb": "ListRecords", "metadataPrefix": "arXiv"}
                params |= {"set": set_spec} if set_spec else {}
                params |= {"from": start.isoformat()} if start else {}
                params |= {"until": end.isoformat()} if end else {}
            where = f"page {number}" + (f" (resumptionToken {token})" if token else "")
            response = self.fetcher.get(self.url, params, accept=_well_formed)
            if response.status_code != 200:
                raise OaiError(f"{self.url}: HTTP {response.status_code} for {where}")
            page = parse_list_records(response.content, number=number, daily=self.daily)
            self.pages_read += 1
            log.info("OAI-PMH %s: %d records", where, len(page.items))
            yield page
            if not page.token:
                return
            token = page.token


def _well_formed(response: httpx.Response) -> bool:
    try:
        ET.fromstring(response.content)  # noqa: S314 - expat >= 2.4 refuses entity bombs
    except ET.ParseError:
        return False
    return True


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _find(element: ET.Element | None, name: str) -> ET.Element | None:
    if element is None:
        return None
    return next((child for child in element if _local(child) == name), None)


def _text(element: ET.Element | None, name: str) -> str | None:
    child = _find(element, name)
    if child is None or child.text is None:
        return None
    return collapse_whitespace(child.text) or None


def parse_list_records(body: bytes, *, number: int = 1, daily: bool = False) -> OaiPage:
    """One `ListRecords` answer: its records (or rejections) and the next token."""
    try:
        root = ET.fromstring(body)  # noqa: S314 - see _well_formed
    except ET.ParseError as exc:
        raise OaiError(f"page {number}: malformed XML ({exc})") from exc
    error = _find(root, "error")
    if error is not None:
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return OaiPage(number, [], None)
        message = collapse_whitespace(error.text or "")
        hint = "; rerun with --restart" if code == "badResumptionToken" else ""
        raise OaiError(f"page {number}: the repository says {code}: {message}{hint}")
    listing = _find(root, "ListRecords")
    if listing is None:
        raise OaiError(f"page {number}: not a ListRecords answer")
    page = OaiPage(number, [], None)
    for position, record in enumerate(listing, start=1):
        if _local(record) == "resumptionToken":
            page.token = (record.text or "").strip() or None
            size = record.get("completeListSize")
            page.complete_size = int(size) if size and size.isdigit() else None
        elif _local(record) == "record":
            header = _find(record, "header")
            if header is not None and header.get("status") == "deleted":
                page.deleted += 1
                continue
            page.items.append(_record_or_rejection(record, number, position, daily))
    return page


def _record_or_rejection(
    record: ET.Element, page: int, position: int, daily: bool
) -> PaperRecord | Rejected:
    identifier = _text(_find(record, "header"), "identifier")
    try:
        return parse_arxiv_metadata(record, daily=daily)
    except RecordError as exc:
        where = f"page {page}, record {identifier or position}"
        return Rejected(where, str(exc))


def parse_arxiv_metadata(record: ET.Element, *, daily: bool = False) -> PaperRecord:
    """An OAI `<record>` with arXiv metadata as a normalized record."""
    metadata = _find(_find(record, "metadata"), "arXiv")
    if metadata is None:
        raise RecordError("no arXiv metadata")
    identifier = _text(_find(record, "header"), "identifier") or ""
    arxiv_id = _text(metadata, "id") or identifier.removeprefix(ARXIV_PREFIX) or None
    if not arxiv_id:
        raise RecordError("missing id")
    title = clean_text(_text(metadata, "title"))
    if not title:
        raise RecordError("missing title")
    created = _day(metadata, "created")
    raw_abstract = _raw(metadata, "abstract") or ""
    raw_comments = _text(metadata, "comments")
    links = extract_links(raw_abstract, raw_comments)
    categories = (_text(metadata, "categories") or "").split()
    record_ = PaperRecord(
        title=title,
        abstract=clean_text(raw_abstract),
        arxiv_id=arxiv_id,
        authors=_authors(_find(metadata, "authors")),
        published_at=created,
        updated_at=_day(metadata, "updated") or created,
        categories=categories,
        primary_category=categories[0] if categories else None,
        comments=raw_comments,
        journal_ref=_text(metadata, "journal-ref"),
        doi=_text(metadata, "doi"),
        license=_text(metadata, "license"),
        code_url=links.code_url,
        project_url=links.project_url,
        listed_on=created.date() if daily and created else None,
    )
    return checked(record_)


def _raw(element: ET.Element, name: str) -> str | None:
    child = _find(element, name)
    return child.text if child is not None else None


def _day(element: ET.Element, name: str) -> datetime | None:
    value = _text(element, name)
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise RecordError(f"unreadable {name} date {value!r}") from exc
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _authors(authors: ET.Element | None) -> list[str]:
    names = []
    for author in authors if authors is not None else []:
        parts = (_text(author, "forenames"), _text(author, "keyname"), _text(author, "suffix"))
        name = normalize_author_name(" ".join(p for p in parts if p))
        if name:
            names.append(name)
    return names


# --- resumable harvest -------------------------------------------------------------------


def state_key(url: str, set_spec: str | None, start: date | None, end: date | None) -> str:
    return f"oai-pmh {url} set={set_spec or '*'} from={start or '*'} until={end or '*'}"[:300]


def stored_position(session: Session, key: str) -> tuple[str, int] | None:
    """The stored (resumption token, page number) of an unfinished harvest."""
    state = session.scalar(select(HarvestState).where(HarvestState.key == key))
    if state is None:
        return None
    value = json.loads(state.value)
    return value["token"], int(value.get("next_page", 1))


def _save_state(session: Session, key: str, token: str | None, page: int) -> None:
    if token is None:
        session.execute(delete(HarvestState).where(HarvestState.key == key))
        return
    value = json.dumps({"token": token, "next_page": page + 1})
    state = session.get(HarvestState, key)
    if state is None:
        session.add(HarvestState(key=key, value=value))
    else:
        state.value, state.updated_at = value, utcnow()


def harvest(
    engine: Engine,
    harvester: OaiHarvester,
    *,
    set_spec: str | None,
    start: date | None,
    end: date | None = None,
    restart: bool = False,
    on_page: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Harvest the list into the catalogue, resuming from a stored token unless `restart`."""
    key = state_key(harvester.url, set_spec, start, end)
    token, first_page = _resume_point(engine, key, restart)
    if token:
        log.info("resuming the harvest %s at page %d", key, first_page)
    summary = ImportSummary()
    pages = harvester.pages(
        set_spec=set_spec, start=start, end=end, token=token, first_page=first_page
    )
    try:
        for page in pages:
            records = [item for item in page.items if isinstance(item, PaperRecord)]

            def save(session: Session, page: OaiPage = page) -> None:
                _save_state(session, key, page.token, page.number)

            summary.add(load_committed(engine, records, also=save))
            summary.rejected += [str(i) for i in page.items if isinstance(i, Rejected)]
            summary.skipped += page.deleted
            if on_page is not None:
                on_page(summary)
    except SourceError as exc:
        exc.summary = summary
        raise
    return summary


def _resume_point(engine: Engine, key: str, restart: bool) -> tuple[str | None, int]:
    with Session(engine) as session:
        return (None if restart else stored_position(session, key)) or (None, 1)


def harvest_source(
    engine: Engine,
    harvester: OaiHarvester,
    *,
    set_spec: str | None,
    start: date | None,
    end: date | None = None,
    restart: bool = False,
) -> Source:
    """The records `harvest` would load, as a plain source that saves no resumption state
    (for a dry run); records marked deleted count as skipped."""
    token, first_page = _resume_point(
        engine, state_key(harvester.url, set_spec, start, end), restart
    )
    deleted = [0]

    def items() -> Iterator[PaperRecord | Rejected]:
        pages = harvester.pages(
            set_spec=set_spec, start=start, end=end, token=token, first_page=first_page
        )
        for page in pages:
            deleted[0] += page.deleted
            yield from page.items

    return Source(items(), skipped=lambda: deleted[0])
