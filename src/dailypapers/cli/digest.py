"""`dailypapers digest ...` and `dailypapers subscribers ...`: email digests for operators."""

from __future__ import annotations

import json
from datetime import date
from typing import cast

import typer

from dailypapers.cli import context
from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.digest.run import DigestRun, send_digests
from dailypapers.digest.schedule import PERIOD_KINDS, PeriodKind, ScheduleError
from dailypapers.digest.subscriptions import (
    STATUSES,
    SubscriptionError,
    add_subscriber,
    list_subscriptions,
    subscription_dict,
)
from dailypapers.digest.topics import TopicError, parse_topics, topic_lines
from dailypapers.mail.delivery import DeliveryReport, deliver_outbox

app = typer.Typer(help="Email digests: compose and send.", no_args_is_help=True)
subscribers_app = typer.Typer(help="Digest subscribers: add and list.", no_args_is_help=True)

WAIT_HELP = "Keep retrying temporary failures for up to this many seconds."


def _bad(message: str) -> typer.Exit:
    context.err_console.print(f"error: {message}")
    return typer.Exit(2)


def _choice(value: str | None, choices: tuple[str, ...], option: str) -> str | None:
    if value is not None and value not in choices:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}", param_hint=option)
    return value


@app.command("send")
def send(
    period: str | None = typer.Option(
        None, "--period", help="daily or weekly; default: whichever are due on --date."
    ),
    day: str | None = typer.Option(
        None, "--date", help="Sending day, YYYY-MM-DD (default today, UTC)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Compose and count; write and send nothing."
    ),
    wait: float = typer.Option(600.0, "--wait", min=0, help=WAIT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Compose each subscriber's digest into the outbox, then send the outbox."""
    kind = cast(PeriodKind | None, _choice(period, PERIOD_KINDS, "--period"))
    try:
        send_day = date.fromisoformat(day) if day else utcnow().date()
    except ValueError:
        raise typer.BadParameter(
            f"{day!r} is not a date (YYYY-MM-DD)", param_hint="--date"
        ) from None
    settings = context.settings()
    with context.database() as engine:
        try:
            run = send_digests(
                engine, settings, day=send_day, kind=kind, dry_run=dry_run, max_wait=wait
            )
        except (ScheduleError, ValueError) as exc:
            raise _bad(str(exc)) from None
    _print_run(run, as_json=as_json)
    if run.delivery and (run.delivery.failed or run.delivery.gave_up):
        raise typer.Exit(1)


@app.command("deliver")
def deliver(
    wait: float = typer.Option(0.0, "--wait", min=0, help=WAIT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Send what is due in the outbox (retries, confirmations), without composing; exit 1
    when a message failed for good (it is marked failed with its reason, the rest is sent)."""
    settings = context.settings()
    with context.database() as engine:
        try:
            report = deliver_outbox(engine, settings, max_wait=wait)
        except ValueError as exc:
            raise _bad(str(exc)) from None
    if as_json:
        print(json.dumps(report.as_dict()))
    else:
        _print_delivery(report)
    if report.failed or report.gave_up:
        raise typer.Exit(1)


def _print_run(run: DigestRun, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(run.as_dict()))
        return
    if not run.periods:
        context.console.print(f"no digest is due on {run.day} (see DAILYPAPERS_DIGEST_*_DAY*)")
    for p in run.periods:
        verb = "would compose" if run.dry_run else "composed"
        context.console.print(
            f"{p.period}: {p.papers} papers listed; {p.subscribers} subscribers: "
            f"{verb} {p.composed}, {p.empty} empty (not sent), {p.already} composed before"
        )
    if run.delivery:
        _print_delivery(run.delivery)


def _print_delivery(r: DeliveryReport) -> None:
    context.console.print(
        f"sent {r.sent}, unconfirmed {r.unconfirmed}, retrying {r.waiting}, failed {r.failed}, "
        f"gave up {r.gave_up}, cancelled {r.cancelled}; {r.paused} subscriptions paused"
    )


@subscribers_app.command("add")
def add(
    email: str = typer.Argument(..., help="The subscriber's email address."),
    confirmed: bool = typer.Option(
        False, "--confirmed", help="Active at once, no confirmation email."
    ),
    frequency: str | None = typer.Option(
        None, "--frequency", help="daily or weekly (default daily)."
    ),
    topic: list[str] | None = typer.Option(
        None, "--topic", help="A topic (repeatable): a query, or cat:, org:, author: prefixed."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the subscription as JSON."),
) -> None:
    """Add a subscriber, or update one; without --confirmed a confirmation email goes out."""
    _choice(frequency, PERIOD_KINDS, "--frequency")
    settings = context.settings()
    with context.database() as engine:
        try:
            topics = parse_topics(topic) if topic else None
            with unit_of_work(engine) as session:
                result = add_subscriber(
                    session, settings, email=email, confirmed=confirmed, frequency=frequency,
                    topics=topics, now=utcnow(),
                )  # fmt: skip
                shown = subscription_dict(result.subscription)
        except (SubscriptionError, TopicError) as exc:
            raise _bad(str(exc)) from None
        if result.outbox_id is not None:
            deliver_outbox(engine, settings, ids=[result.outbox_id])
    if as_json:
        print(json.dumps(shown))
        return
    action = "added" if result.created else "updated"
    note = "; confirmation email sent" if result.email_kind == "confirm" else ""
    context.console.print(
        f"{action} {shown['email']}: {shown['status']}, {shown['frequency']}{note}"
    )


@subscribers_app.command("list")
def list_(
    status: str | None = typer.Option(
        None, "--status", help=f"Only this status: {', '.join(STATUSES)}."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """List subscribers: email, status, frequency, topics."""
    _choice(status, STATUSES, "--status")
    with context.database() as engine, unit_of_work(engine) as session:
        rows = [
            (subscription_dict(s), topic_lines(s.topics))
            for s in list_subscriptions(session, status=status)
        ]
    if as_json:
        print(json.dumps([row for row, _ in rows]))
        return
    for row, topics in rows:
        shown = "; ".join(topics) or "(trending)"
        context.console.print(f"{row['email']}\t{row['status']}\t{row['frequency']}\t{shown}")
    context.console.print(f"{len(rows)} subscribers")
