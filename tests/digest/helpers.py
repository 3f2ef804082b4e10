"""Rows for digest tests: listed papers and subscribers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dailypapers.db.engine import unit_of_work
from dailypapers.digest.models import Subscription
from dailypapers.digest.subscriptions import add_subscriber
from dailypapers.mail.models import OutboxMessage
from dailypapers.settings import Settings
from tests.factories import make_paper

THURSDAY = date(2026, 2, 19)
FRIDAY = date(2026, 2, 20)
NOW = datetime(2026, 2, 20, 6, tzinfo=UTC)


def list_papers(session: Session, day: date, titles: dict[str, int], **fields: object) -> None:
    """Papers listed on `day`, title -> imported upvotes."""
    for title, votes in titles.items():
        make_paper(session, title=title, listed_on=day, base_upvotes=votes, **fields)


def subscribers(
    engine: Engine, settings: Settings, emails: list[str], **fields: object
) -> list[int]:
    with unit_of_work(engine) as session:
        return [
            add_subscriber(
                session, settings, email=e, confirmed=True, now=NOW, **fields
            ).subscription.id  # type: ignore[arg-type]
            for e in emails
        ]


def outbox_rows(engine: Engine) -> list[OutboxMessage]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def subscription(engine: Engine, email: str) -> Subscription:
    with unit_of_work(engine) as session:
        found = session.scalar(select(Subscription).where(Subscription.email == email))
        assert found is not None
        return found
