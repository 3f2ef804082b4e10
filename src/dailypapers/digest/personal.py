"""Personal digests: a subscription linked to a user with `personal` set gets the period's
papers ranked "for you" instead of by trending or topics."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.digest.content import DigestItem, PeriodContent
from dailypapers.digest.models import Subscription
from dailypapers.recommend.service import for_you

TOPIC_TITLE_LENGTH = 60


def personal_items(
    session: Session, *, subscription: Subscription, content: PeriodContent, limit: int
) -> list[DigestItem] | None:
    """The period's papers ranked for the subscriber's user; None when the subscription is
    not personal, has no user, or the user has too few papers (the caller falls back)."""
    if not subscription.personal or subscription.user_id is None or not content.items:
        return None
    user = session.get(User, subscription.user_id)
    if user is None:
        return None
    result = for_you(
        session, user=user, limit=limit, now=content.period.ranked_at, within=content.items
    )
    if result.explanation is not None and not result.items:
        return None
    items = []
    for rec in result.items:
        title = rec.because.title
        if len(title) > TOPIC_TITLE_LENGTH:
            title = title[:TOPIC_TITLE_LENGTH].rsplit(" ", 1)[0] + "…"
        items.append(replace(content.items[rec.card.paper_id], topic=f"similar to {title}"))
    return items
