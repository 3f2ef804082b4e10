"""How many papers match a query, week by week over the last year (for the search chart)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from dailypapers.papers.models import Paper
from dailypapers.search.backends import backend_for
from dailypapers.search.service import SearchFilters
from dailypapers.search.text import parse_query

WEEKS = 52
MATCH_CAP = 5000  # the most keyword matches counted; the chart says so when it is reached


def weekly_matches(
    session: Session, *, query: str, today: date, weeks: int = WEEKS
) -> tuple[list[tuple[str, int]], bool]:
    """(week label, papers matching `query` published that week) for `weeks` weeks to `today`.

    Counts the visible papers published in the window that hold every word of the query
    (full text, unranked: only their dates are read), at most MATCH_CAP; the flag says
    whether the cap was reached.
    """
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    parsed = parse_query(query)
    dates: list[datetime | None] = []
    if parsed:
        window = SearchFilters(published_from=first_monday, published_to=today).where()
        dates = backend_for(session).fulltext.matching(
            session,
            query=parsed,
            column=Paper.published_at,
            limit=MATCH_CAP,
            where=window,
        )
    counts: Counter[date] = Counter()
    for stamp in dates:
        if stamp is not None:
            day = stamp.date()
            counts[day - timedelta(days=day.weekday())] += 1
    bars = []
    for n in range(weeks):
        monday = first_monday + timedelta(weeks=n)
        year, week, _ = monday.isocalendar()
        bars.append((f"{year}-W{week:02d}", counts[monday]))
    return bars, len(dates) >= MATCH_CAP
