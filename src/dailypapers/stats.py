"""Row counts of the main tables, for `dailypapers stats` and health checks."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community.models import Comment, Upvote
from dailypapers.digest.models import Subscription
from dailypapers.papers.models import Author, DailyEntry, Organization, Paper
from dailypapers.search.models import Embedding

COUNTED = {
    "papers": Paper,
    "authors": Author,
    "organizations": Organization,
    "daily_entries": DailyEntry,
    "users": User,
    "upvotes": Upvote,
    "comments": Comment,
    "subscriptions": Subscription,
    "embeddings": Embedding,
}


def table_counts(session: Session) -> dict[str, int]:
    """Exactly the keys of `COUNTED`, in that order."""
    return {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in COUNTED.items()
    }
