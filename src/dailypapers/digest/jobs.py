"""The digest feature's scheduled jobs: compose and send the day's digests, and keep the
outbox moving (retries, confirmation emails whose sending thread died)."""

from __future__ import annotations

from datetime import date

from dailypapers.digest.run import send_digests
from dailypapers.jobs.registry import Job, JobContext, register
from dailypapers.mail.delivery import DeliveryReport, deliver_outbox


def send_todays_digests(context: JobContext) -> str:
    """The digests due on the slot's day: daily ones on their weekdays, weekly on its day."""
    day = date.fromisoformat(context.slot[:10])
    run = send_digests(context.engine, context.settings, day=day)
    if not run.periods:
        return f"no digest is due on {day}"
    composed = ", ".join(f"{p.period}: {p.composed} composed, {p.empty} empty" for p in run.periods)
    return f"{composed}; {_delivered(run.delivery)}"


def deliver(context: JobContext) -> str:
    return _delivered(deliver_outbox(context.engine, context.settings))


def _delivered(report: DeliveryReport | None) -> str:
    if report is None:
        return "nothing sent"
    return (
        f"{report.sent} sent, {report.waiting} waiting for a retry, {report.failed} failed, "
        f"{report.gave_up} given up, {report.paused} subscriptions paused"
    )


register(
    Job(
        name="digest-send",
        schedule=lambda settings: settings.digest_send_schedule,
        run=send_todays_digests,
        description="Compose the digests due today into the outbox and send them.",
    )
)
register(
    Job(
        name="digest-deliver",
        schedule=lambda settings: settings.digest_deliver_schedule,
        run=deliver,
        description="Send what waits in the outbox: retries and confirmation emails.",
    )
)
