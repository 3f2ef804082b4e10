"""What a subscriber would get in their next digest, for the admin preview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from sqlalchemy.orm import Session

from dailypapers.digest.compose import render_digest
from dailypapers.digest.content import DigestItem, period_content
from dailypapers.digest.models import Subscription
from dailypapers.digest.schedule import Period, PeriodKind, is_due, period_for
from dailypapers.digest.subscriptions import find_subscription, normalize_email
from dailypapers.mail.render import RenderedEmail
from dailypapers.ranking.trending import TrendingParams
from dailypapers.search.embedder import embedder_for
from dailypapers.settings import Settings


@dataclass(frozen=True, slots=True)
class DigestPreview:
    subscription: Subscription
    period: Period
    items: list[DigestItem]
    email: RenderedEmail


def next_send_day(settings: Settings, kind: PeriodKind, today: date) -> date:
    day = today
    while not is_due(settings, kind, day):
        day += timedelta(days=1)
    return day


def preview_digest(
    session: Session, settings: Settings, *, email: str, today: date
) -> DigestPreview | None:
    """The digest `email` would get on its next sending day from `today`; None if unknown."""
    subscription = find_subscription(session, email=normalize_email(email))
    if subscription is None:
        return None
    kind = cast(PeriodKind, subscription.frequency)
    period = period_for(settings, kind, next_send_day(settings, kind, today))
    params = TrendingParams.from_settings(settings)
    content = period_content(session, period=period, params=params, embedder=embedder_for(settings))
    items = content.items_for(subscription.topics, settings.digest_size)
    rendered, _links = render_digest(settings, subscription, content, items)
    return DigestPreview(subscription, period, items, rendered)
