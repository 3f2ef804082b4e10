"""How many papers match a query, week by week over the last year (for the search chart)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy.orm import Session

from dailypapers.search.service import search_papers

WEEKS = 52
MATCH_CAP = 5000  # the most keyword matches counted; the chart says so when it is reached


def weekly_matches(
    session: Session, *, query: str, today: date, weeks: int = WEEKS
) -> tuple[list[tuple[str, int]], bool]:
    """(week label, matching papers published that week) for the `weeks` weeks up to `today`.

    Counts keyword matches (the full-text index), at most MATCH_CAP; the flag says whether the
    cap was reached.
    """
    results = search_papers(session, query=query, mode="keyword", limit=MATCH_CAP, highlight=False)
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    counts: Counter[date] = Counter()
    for hit in results.hits:
        published = hit.card.published_at
        if published is None:
            continue
        day = published.date()
        monday = day - timedelta(days=day.weekday())
        if monday >= first_monday and day <= today:
            counts[monday] += 1
    bars = []
    for n in range(weeks):
        monday = first_monday + timedelta(weeks=n)
        year, week, _ = monday.isocalendar()
        bars.append((f"{year}-W{week:02d}", counts[monday]))
    return bars, len(results.hits) >= MATCH_CAP
