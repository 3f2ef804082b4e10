"""A subscriber's topics: free-text queries, categories, organizations and authors.

Written one a line, with a prefix for the structured kinds:
`cat:cs.CV`, `org:NVIDIA`, `author:Yann LeCun`; a line without a prefix is a query.
Stored as {"queries": [...], "categories": [...], "organizations": [...], "authors": [...]}.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

TOPIC_FIELDS = ("queries", "categories", "organizations", "authors")
PREFIXES = {
    "cat": "categories",
    "category": "categories",
    "org": "organizations",
    "organization": "organizations",
    "author": "authors",
}
LABELS = {"categories": "cat", "organizations": "org", "authors": "author"}
MAX_TOPICS = 20
MAX_TOPIC_LENGTH = 200


class TopicError(ValueError):
    """A topic line that cannot be used; the message names it."""


@dataclass(frozen=True, slots=True)
class Topic:
    field: str  # one of TOPIC_FIELDS
    value: str

    @property
    def label(self) -> str:
        prefix = LABELS.get(self.field)
        return f"{prefix}:{self.value}" if prefix else self.value


def parse_topics(lines: Iterable[str]) -> dict[str, list[str]]:
    """Topic lines -> the stored form; blank lines are skipped, duplicates dropped."""
    topics: dict[str, list[str]] = {}
    count = 0
    for number, raw in enumerate(lines, start=1):
        topic = parse_topic(raw, number=number)
        if topic is None or topic.value in topics.get(topic.field, []):
            continue
        count += 1
        if count > MAX_TOPICS:
            raise TopicError(f"at most {MAX_TOPICS} topics")
        topics.setdefault(topic.field, []).append(topic.value)
    return topics


def parse_topic(raw: str, *, number: int = 1) -> Topic | None:
    text = " ".join(raw.split())
    if not text:
        return None
    if len(text) > MAX_TOPIC_LENGTH:
        raise TopicError(f"topic {number} is longer than {MAX_TOPIC_LENGTH} characters")
    prefix, sep, rest = text.partition(":")
    field = PREFIXES.get(prefix.strip().casefold()) if sep else None
    if field is None:
        return Topic("queries", text)
    value = rest.strip()
    if not value:
        raise TopicError(f"topic {number} ({text!r}) has nothing after {prefix}:")
    return Topic(field, value)


def topic_list(topics: dict[str, list[str]] | None) -> list[Topic]:
    """The stored form -> topics, in a fixed order of kinds."""
    topics = topics or {}
    return [Topic(field, value) for field in TOPIC_FIELDS for value in topics.get(field, [])]


def topic_lines(topics: dict[str, list[str]] | None) -> list[str]:
    return [topic.label for topic in topic_list(topics)]
