"""Composing a period's digests into the outbox, in batches, before anything is sent.

Rerunning is safe: subscriptions that already have the period's digest are skipped, and the
outbox's unique key catches a concurrent run. Each batch commits on its own, so a run killed
midway keeps what it composed and the next run composes the rest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, and_, exists, select
from sqlalchemy.orm import Session

from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.digest.content import DigestItem, PeriodContent, period_content
from dailypapers.digest.links import Links, list_headers
from dailypapers.digest.models import Subscription
from dailypapers.digest.personal import personal_items
from dailypapers.digest.schedule import Period
from dailypapers.digest.topics import topic_lines
from dailypapers.mail.models import OutboxMessage
from dailypapers.mail.outbox import enqueue, outbox_row, site_url
from dailypapers.mail.render import RenderedEmail, render_email
from dailypapers.ranking.trending import TrendingParams
from dailypapers.search.embedder import EmbedderSource, embedder_for
from dailypapers.settings import Settings

BATCH_SIZE = 500


@dataclass(slots=True)
class ComposeReport:
    period: str
    papers: int = 0  # listed in the period
    subscribers: int = 0  # active subscribers of this frequency seen by the run
    composed: int = 0
    empty: int = 0  # nothing matched: no email
    already: int = 0  # composed by an earlier run

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def period_label(first: date | None, last: date | None, fallback: date) -> str:
    first, last = first or fallback, last or fallback
    if first == last:
        return f"{last:%b} {last.day}, {last.year}"
    if first.year != last.year:
        return f"{first:%b} {first.day}, {first.year} – {last:%b} {last.day}, {last.year}"
    return f"{first:%b} {first.day} – {last:%b} {last.day}, {last.year}"


def digest_context(
    settings: Settings,
    subscription: Subscription,
    content: PeriodContent,
    items: list[DigestItem],
    links: Links,
) -> dict[str, Any]:
    """The context of the `digest` email templates (mail/templates/digest/)."""
    return {
        "heading": "Daily Papers" if content.period.kind == "daily" else "Weekly Papers",
        "period_label": period_label(content.first_day, content.last_day, content.period.send_date),
        "items": items,
        "topics": topic_lines(subscription.topics),
        "frequency": subscription.frequency,
        "site_url": site_url(settings),
        "manage_url": links.manage_url,
        "unsubscribe_url": links.unsubscribe_url,
    }


def render_digest(
    settings: Settings,
    subscription: Subscription,
    content: PeriodContent,
    items: list[DigestItem],
) -> tuple[RenderedEmail, Links]:
    links = Links.of(settings, subscription)
    context = digest_context(settings, subscription, content, items, links)
    return render_email("digest", context), links


def compose_period(
    engine: Engine,
    settings: Settings,
    *,
    period: Period,
    dry_run: bool = False,
    embedder: EmbedderSource | None = None,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
) -> ComposeReport:
    """One outbox message per active subscriber of the period's frequency."""
    report = ComposeReport(period=period.key)
    with unit_of_work(engine) as session:
        content = period_content(
            session,
            period=period,
            params=TrendingParams.from_settings(settings),
            embedder=embedder or embedder_for(settings),
        )
        report.already = len(
            session.scalars(select(OutboxMessage.id).where(_digest_of(period))).all()
        )
    report.papers = len(content.trending)
    last_id = 0
    while True:
        with unit_of_work(engine) as session:
            batch = list(session.scalars(_pending_subscribers(period, last_id, batch_size)))
            if not batch:
                break
            rows = []
            for subscription in batch:
                row = _message(settings, subscription, content, session)
                if row is None:
                    report.empty += 1
                else:
                    rows.append(row)
            report.subscribers += len(batch)
            report.composed += len(rows if dry_run else enqueue(session, rows, now=now or utcnow()))
            last_id = batch[-1].id
    report.subscribers += report.already
    return report


def _message(
    settings: Settings, subscription: Subscription, content: PeriodContent, session: Session
) -> dict[str, Any] | None:
    items = personal_items(
        session, subscription=subscription, content=content, limit=settings.digest_size
    )
    if items is None:
        items = content.items_for(subscription.topics, settings.digest_size)
    if not items and not settings.digest_send_empty:
        return None
    rendered, links = render_digest(settings, subscription, content, items)
    return outbox_row(
        settings,
        kind="digest",
        to=subscription.email,
        key=content.period.key,
        rendered=rendered,
        subscription_id=subscription.id,
        headers=list_headers(settings, links),
    )


def _digest_of(period: Period) -> Any:
    return and_(OutboxMessage.kind == "digest", OutboxMessage.period_key == period.key)


def _pending_subscribers(period: Period, last_id: int, limit: int) -> Any:
    done = exists().where(OutboxMessage.subscription_id == Subscription.id, _digest_of(period))
    return (
        select(Subscription)
        .where(
            Subscription.status == "active",
            Subscription.frequency == period.kind,
            Subscription.id > last_id,
            ~done,
        )
        .order_by(Subscription.id)
        .limit(limit)
    )
