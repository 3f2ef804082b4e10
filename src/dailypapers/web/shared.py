"""What every resource of the site shares: periods and their URLs, the trending window, the
one paper lookup, the viewer's votes, and the path parameters that keep routes apart.

A resource (`web/lists`, `web/paper`, `web/people`, `web/search`, ...) has one data function
whose result its HTML page, its JSON answer and its feed render; this module holds the few
pieces they would otherwise each copy.
"""

from __future__ import annotations

from datetime import date

from fastapi import HTTPException
from sqlalchemy.orm import Session
from starlette.convertors import Convertor, register_url_convertor

from dailypapers.accounts.models import User
from dailypapers.community.votes import voted_keys
from dailypapers.papers.cards import PaperCard
from dailypapers.papers.lookup import find_paper
from dailypapers.papers.models import Paper
from dailypapers.papers.periods import Period, PeriodError, PeriodKind, days_ending, parse_period

TRENDING_DAYS = 7  # the trending list: the week of listings ending on the newest listed day
# Seconds a trending answer (page data, JSON, feed) is reused: its scores move with the clock.
TRENDING_TTL = 60.0
FEED_SIZE = 100  # papers in one feed
PERIOD_SEGMENTS: dict[str, str] = {"day": "date", "week": "week", "month": "month"}


def period_or_400(kind: PeriodKind, text: str) -> Period:
    """The day (2026-02-19), ISO week (2026-W08) or month (2026-02); 400 names a bad one."""
    try:
        return parse_period(kind, text)
    except PeriodError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


def period_path(period: Period | None) -> str:
    """The page of a period's list: /papers/date/2026-02-19 (None: /papers, the latest)."""
    if period is None:
        return "/papers"
    return f"/papers/{PERIOD_SEGMENTS.get(period.kind, 'date')}/{period.label}"


def trending_window(latest: date | None) -> Period | None:
    """The trending list's days, ending on the newest listed day (None: nothing listed)."""
    return days_ending(latest, TRENDING_DAYS) if latest else None


def paper_or_404(session: Session, key: str, *, include_hidden: bool = False) -> Paper:
    """`papers.lookup.find_paper`, or 404 naming the id."""
    paper = find_paper(session, key=key, include_hidden=include_hidden)
    if paper is None:
        raise HTTPException(status_code=404, detail=f"No paper with id {key!r}.")
    return paper


def voted(session: Session, user: User | None, cards: list[PaperCard]) -> set[str]:
    """The viewer's votes among these cards, so every card shows the viewer's own state."""
    return voted_keys(session, user=user, keys=[card.key for card in cards])


class _Excluding(Convertor[str]):
    """A path parameter that never takes another route's path.

    Routes are matched in order; these make the order irrelevant: `/papers/{key:paper}`
    never takes `/papers/trending`, `/papers/feed.rss` or `/papers/{key}.md`, and
    `/orgs/{name:not_feed}` never takes `/orgs/{name}/feed.rss`.
    """

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


def _excluding(pattern: str) -> _Excluding:
    class Excluding(_Excluding):
        regex = pattern

    return Excluding()


# An old-style arXiv id holds a `/` (`hep-th/9901001`, `math.GT/0309136v2`): a paper
# parameter takes one, whether the link spelled the `/` as it is or as `%2F`.
OLD_ARXIV_ID = r"[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7}(?:v\d+)?"
# A paper's page: not `trending`, not a feed, not a Markdown twin (`2602.12345.md`).
register_url_convertor(
    "paper",
    _excluding(rf"(?:{OLD_ARXIV_ID}|(?!(?:trending|feed\.(?:rss|atom))(?:/|$))[^/]+?(?<!\.md))"),
)
# A paper before a further segment (`/papers/{key:paper_key}/upvote`, `{key}.md`).
register_url_convertor("paper_key", _excluding(rf"(?:{OLD_ARXIV_ID}|[^/]+)"))
# A paper in the API: not `search` (GET /api/papers/search).
register_url_convertor("api_paper", _excluding(rf"(?:{OLD_ARXIV_ID}|(?!search(?:/|$))[^/]+)"))
# An organization's or author's name, which may hold a `/`: not a feed of theirs.
register_url_convertor("not_feed", _excluding(r".*?(?<!/feed\.rss)(?<!/feed\.atom)"))
# A collection's slug: not its JSON twin (`{slug}.json`).
register_url_convertor("slug", _excluding(r"[^/]+?(?<!\.json)"))
