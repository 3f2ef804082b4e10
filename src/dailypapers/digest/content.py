"""What a digest holds: the period's top papers by trending score, or a subscriber's topics.

`period_content` reads a period's papers once; `items_for` then picks each subscriber's
items from memory, so composing thousands of digests costs a handful of queries.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import zip_longest

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.digest.matching import Candidate, KeywordIndex, TopicMatcher
from dailypapers.digest.schedule import Period
from dailypapers.digest.semantic import query_matcher
from dailypapers.digest.topics import topic_list
from dailypapers.papers.models import Author, DailyEntry, Organization, Paper, PaperAuthor
from dailypapers.ranking.trending import TrendingParams, trending_scores
from dailypapers.search.embedder import EmbedderSource

SUMMARY_LENGTH = 220
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")


@dataclass(frozen=True, slots=True)
class DigestItem:
    key: str
    title: str
    authors: str
    organization: str | None
    upvotes: int
    summary: str
    code_url: str | None
    topic: str | None = None  # the topic it matched, for topic digests


@dataclass(frozen=True, slots=True)
class PeriodContent:
    period: Period
    items: dict[int, DigestItem]  # by paper id
    trending: list[int]  # paper ids, best first
    matcher: TopicMatcher
    first_day: date | None  # the first and last listing day with papers
    last_day: date | None

    def items_for(self, topics: dict[str, list[str]] | None, limit: int) -> list[DigestItem]:
        """Top `limit` by trending, or the best matches of the topics, taken in turns."""
        wanted = topic_list(topics)
        if not wanted:
            return [self.items[paper_id] for paper_id in self.trending[:limit]]
        per_topic = [(t.label, self.matcher.match(t, limit)) for t in wanted]
        chosen: dict[int, DigestItem] = {}
        for label, paper_id in _in_turns(per_topic):
            if paper_id not in chosen:
                chosen[paper_id] = replace(self.items[paper_id], topic=label)
            if len(chosen) == limit:
                break
        return list(chosen.values())


def _in_turns(per_topic: list[tuple[str, list[int]]]) -> Iterator[tuple[str, int]]:
    """The first match of each topic, then the second of each, and so on."""
    columns = [[(label, paper_id) for paper_id in ids] for label, ids in per_topic]
    for row in zip_longest(*columns):
        yield from (cell for cell in row if cell is not None)


def period_content(
    session: Session,
    *,
    period: Period,
    params: TrendingParams,
    embedder: EmbedderSource | None = None,
) -> PeriodContent:
    """The period's papers in trending order; topic queries are matched by keywords, and by
    meaning too when `embedder` is given and the papers have embeddings."""
    ranked = trending_scores(
        session, since=period.since, until=period.until, now=period.ranked_at, params=params
    )
    ids = [item.paper_id for item in ranked]
    rows = _paper_rows(session, ids)
    authors = _author_names(session, ids)
    items: dict[int, DigestItem] = {}
    candidates = []
    for rank, score in enumerate(ranked):
        paper, org = rows[score.paper_id]
        names = authors.get(paper.id, [])
        items[paper.id] = DigestItem(
            key=paper.key,
            title=paper.title,
            authors=format_authors(names, paper.num_authors),
            organization=org.full_name if org else None,
            upvotes=score.upvotes,
            summary=one_line_summary(paper.ai_summary or paper.abstract),
            code_url=paper.code_url,
        )
        candidates.append(_candidate(rank, paper, org, names))
    keyword = KeywordIndex(candidates)
    query = query_matcher(session, ids, keyword, embedder) if embedder else keyword.search
    days = _listing_days(session, period)
    return PeriodContent(
        period=period,
        items=items,
        trending=ids,
        matcher=TopicMatcher(candidates, query),
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
    )


def _candidate(rank: int, paper: Paper, org: Organization | None, names: list[str]) -> Candidate:
    return Candidate(
        paper_id=paper.id,
        rank=rank,
        title=paper.title,
        abstract=paper.abstract,
        categories=tuple(c.casefold() for c in paper.categories or []),
        organizations=tuple(n.casefold() for n in ((org.name, org.full_name) if org else ())),
        authors=tuple(n.casefold() for n in names),
    )


def _chunks(ids: Sequence[int], size: int = 900) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _paper_rows(session: Session, ids: list[int]) -> dict[int, tuple[Paper, Organization | None]]:
    rows: dict[int, tuple[Paper, Organization | None]] = {}
    for chunk in _chunks(ids):
        query = (
            select(Paper, Organization)
            .outerjoin(Organization, Organization.id == Paper.organization_id)
            .where(Paper.id.in_(chunk))
        )
        rows.update({paper.id: (paper, org) for paper, org in session.execute(query)})
    return rows


def _author_names(session: Session, ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(ids):
        query = (
            select(PaperAuthor.paper_id, Author.name)
            .join(Author, Author.id == PaperAuthor.author_id)
            .where(PaperAuthor.paper_id.in_(chunk))
            .order_by(PaperAuthor.paper_id, PaperAuthor.position)
        )
        for paper_id, name in session.execute(query):
            names[paper_id].append(name)
    return names


def _listing_days(session: Session, period: Period) -> list[date]:
    query = (
        select(DailyEntry.day)
        .where(DailyEntry.day >= period.since, DailyEntry.day < period.until)
        .distinct()
        .order_by(DailyEntry.day)
    )
    return list(session.scalars(query))


def format_authors(names: list[str], count: int | None, shown: int = 3) -> str:
    if not names:
        return f"{count} authors" if count else ""
    if len(names) <= shown + 1:
        return ", ".join(names)
    return f"{', '.join(names[:shown])} and {len(names) - shown} more"


def one_line_summary(text: str, length: int = SUMMARY_LENGTH) -> str:
    """The first sentence, cut at a word boundary when it is long."""
    text = " ".join(text.split())
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(sentence) <= length:
        return sentence
    return sentence[:length].rsplit(" ", 1)[0].rstrip(",;:") + "…"
