"""How many papers match a query, week by week over the last year (for the search chart)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.papers.models import Paper
from dailypapers.search.backends import backend_for
from dailypapers.search.service import SearchFilters
from dailypapers.search.text import parse_query

WEEKS = 52
MATCH_CAP = 5000  # the most keyword matches counted; the chart says so when it is reached
_CHUNK = 900  # ids per IN (...) list, under SQLite's variable limit


def weekly_matches(
    session: Session, *, query: str, today: date, weeks: int = WEEKS
) -> tuple[list[tuple[str, int]], bool]:
    """(week label, papers matching `query` published that week) for `weeks` weeks to `today`.

    Counts full-text matches published in the window, at most MATCH_CAP; the flag says
    whether the cap was reached. Only ids and dates are read, never whole papers.
    """
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    parsed = parse_query(query)
    ids: list[int] = []
    if parsed:
        window = SearchFilters(published_from=first_monday, published_to=today).where()
        ids = backend_for(session).fulltext.search(
            session, query=parsed, limit=MATCH_CAP, where=window
        )
    counts: Counter[date] = Counter()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        published = session.scalars(
            select(Paper.published_at).where(Paper.id.in_(chunk), Paper.hidden.is_(False))
        )
        for stamp in published:
            if stamp is not None:
                day = stamp.date()
                counts[day - timedelta(days=day.weekday())] += 1
    bars = []
    for n in range(weeks):
        monday = first_monday + timedelta(weeks=n)
        year, week, _ = monday.isocalendar()
        bars.append((f"{year}-W{week:02d}", counts[monday]))
    return bars, len(ids) >= MATCH_CAP
