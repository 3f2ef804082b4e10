"""Hugging Face's `/api/daily_papers` JSON: a list of daily entries, each with its paper.

Every item gives the paper (arXiv id, title, abstract, authors, publication date), the day
it was put on the daily list and by whom, its upvotes, GitHub repository and stars, project
page, organization, and Hugging Face's AI summary and keywords.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dailypapers.ingest.normalize import clean_text, extract_links, normalize_author_name
from dailypapers.ingest.records import (
    OrganizationRecord,
    PaperRecord,
    RecordError,
    Rejected,
    SourceError,
    checked,
)

HF_AVATAR_BASE = "https://huggingface.co"


class HfJsonFormatError(SourceError):
    """The file is not a Hugging Face daily-papers JSON list."""


def read_hf_json(path: Path) -> Iterator[PaperRecord | Rejected]:
    """The records of a saved `/api/daily_papers` response (a JSON list)."""
    try:
        data = json.loads(path.read_bytes())
    except (UnicodeDecodeError, ValueError) as exc:
        raise HfJsonFormatError(f"{path}: not JSON ({exc}); nothing was imported") from exc
    if isinstance(data, dict) and isinstance(data.get("papers"), list):
        data = data["papers"]
    if not isinstance(data, list):
        raise HfJsonFormatError(f"{path}: expected a JSON list of daily papers; nothing imported")
    for number, item in enumerate(data, start=1):
        paper = item.get("paper") if isinstance(item, dict) else None
        ref = paper.get("id") if isinstance(paper, dict) else None
        where = f"item {number}" + (f" (paper {ref})" if isinstance(ref, str) else "")
        try:
            yield parse_hf_item(item)
        except RecordError as exc:
            yield Rejected(where, str(exc))


def parse_hf_item(item: Any) -> PaperRecord:
    """One daily-papers item as a normalized record, listed on its day."""
    if not isinstance(item, dict) or not isinstance(item.get("paper"), dict):
        raise RecordError("no paper object")
    paper = item["paper"]
    arxiv_id = _string(paper, "id")
    if not arxiv_id:
        raise RecordError("missing paper id")
    title = clean_text(_string(paper, "title") or _string(item, "title"))
    if not title:
        raise RecordError("missing title")
    raw_summary = _string(paper, "summary") or _string(item, "summary") or ""
    links = extract_links(raw_summary)
    listed = _time(paper, "submittedOnDailyAt") or _time(item, "publishedAt")
    submitter = paper.get("submittedOnDailyBy") or item.get("submittedBy") or {}
    record = PaperRecord(
        title=title,
        abstract=clean_text(raw_summary),
        arxiv_id=arxiv_id,
        authors=_authors(paper.get("authors")),
        published_at=_time(paper, "publishedAt"),
        code_url=_string(paper, "githubRepo") or links.code_url,
        github_stars=_integer(paper, "githubStars"),
        project_url=_string(paper, "projectPage") or links.project_url,
        base_upvotes=_integer(paper, "upvotes") or 0,
        ai_summary=_string(paper, "ai_summary"),
        ai_keywords=_keywords(paper.get("ai_keywords")),
        media_url=_image(paper.get("mediaUrls") or item.get("mediaUrls")),
        organization=_organization(paper.get("organization") or item.get("organization")),
        listed_on=listed.date() if listed else None,
        submitter_name=_submitter(submitter),
    )
    return checked(record)


_IMAGE = re.compile(r"https?://[^\s\"'<>]+\.(?:png|jpe?g|gif|webp)(?:\?[^\s\"'<>]*)?", re.I)


def _image(urls: object) -> str | None:
    """The first image (not a video) among the source's media links, http(s) only."""
    if not isinstance(urls, list):
        return None
    return next((u for u in urls if isinstance(u, str) and _IMAGE.fullmatch(u)), None)


def _string(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{name} is not a string")
    return value.strip() or None


def _integer(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"{name} is not a number")
    return value


def _time(data: dict[str, Any], name: str) -> datetime | None:
    value = _string(data, name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RecordError(f"{name} is not a date: {value!r}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _authors(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError("authors is not a list")
    names = []
    for author in value:
        if not isinstance(author, dict) or not isinstance(author.get("name"), str):
            raise RecordError("an author has no name")
        if not author.get("hidden"):
            names.append(normalize_author_name(author["name"]))
    return [name for name in names if name]


def _keywords(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise RecordError("ai_keywords is not a list of strings")
    return [k.strip() for k in value if k.strip()]


def _organization(value: Any) -> OrganizationRecord | None:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        return None
    avatar = value.get("avatar") if isinstance(value.get("avatar"), str) else None
    if avatar and avatar.startswith("/"):
        avatar = HF_AVATAR_BASE + avatar
    full_name = value.get("fullname") if isinstance(value.get("fullname"), str) else None
    return OrganizationRecord(
        name=value["name"], full_name=full_name or value["name"], avatar_url=avatar
    )


def _submitter(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    for key in ("fullname", "name", "user"):
        if isinstance(value.get(key), str) and value[key].strip():
            return str(value[key]).strip()
    return None
