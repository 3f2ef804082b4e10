"""Digests composed, sent to a real SMTP server and read back with the `email` package."""

from __future__ import annotations

import re
import socket
import time
from datetime import date, timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import Engine, update

from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.digest.compose import compose_period
from dailypapers.digest.models import Subscription
from dailypapers.digest.run import send_digests
from dailypapers.digest.schedule import period_for
from dailypapers.digest.subscriptions import unsubscribe
from dailypapers.mail.delivery import deliver_outbox
from dailypapers.mail.models import OutboxMessage
from dailypapers.settings import Settings
from tests.digest.helpers import (
    FRIDAY,
    THURSDAY,
    list_papers,
    outbox_rows,
    subscribers,
    subscription,
)
from tests.digest.smtp_sink import SmtpSink

PAPERS = {
    "Diffusion Models Beat GANs on Video": 7,
    "A Survey of Robot Learning": 12,
    "Tokenizers for Speech <b>and</b> Audio": 3,
}


def test_a_digest_has_both_parts_the_headers_and_the_top_papers(
    engine: Engine, mail_settings: Settings, smtp: SmtpSink
) -> None:
    settings = mail_settings.model_copy(update={"base_url": "https://papers.example.org"})
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, PAPERS, code_url="https://github.com/o/r")
        list_papers(session, THURSDAY - timedelta(days=1), {"Yesterday's paper": 50})
    subscribers(engine, settings, ["ada@example.org"])
    run = send_digests(engine, settings, day=FRIDAY)
    assert [p.composed for p in run.periods] == [1] and run.delivery and run.delivery.sent == 1
    (message,) = smtp.handler.parsed("ada@example.org")
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "Daily Papers, Feb 19, 2026: 3 papers"
    assert message["To"] == "ada@example.org" and "papers@localhost" in message["From"]
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    (row,) = outbox_rows(engine)
    assert message["Message-ID"] == row.message_id and row.status == "sent"
    https, mailto = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    assert https.startswith("https://papers.example.org/unsubscribe/")
    assert mailto.startswith("mailto:papers@localhost?subject=unsubscribe%20")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    # trending order; yesterday's paper belongs to an earlier digest
    assert [line[3:] for line in text.splitlines() if re.match(r"\d\. ", line)] == [
        "A Survey of Robot Learning",
        "Diffusion Models Beat GANs on Video",
        "Tokenizers for Speech <b>and</b> Audio",
    ]
    assert "Yesterday" not in text
    assert "Tokenizers for Speech &lt;b&gt;and&lt;/b&gt; Audio" in html  # escaped
    assert "<style" not in html and 'style="' in html  # CSS inlined
    assert html.count('href="https://github.com/o/r"') == 3 and "▲ 12" in text
    assert https in html and https in text


def test_topic_subscribers_get_their_matches_and_nobody_gets_an_empty_digest(
    engine: Engine, mail_settings: Settings, smtp: SmtpSink
) -> None:
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, PAPERS)
        list_papers(session, THURSDAY, {"Cats and Robots": 1}, categories=["cs.RO"])
    subscribers(engine, mail_settings, ["topics@example.org"], topics={
        "queries": ["diffusion video"], "categories": ["cs.RO"],
    })  # fmt: skip
    subscribers(engine, mail_settings, ["none@example.org"], topics={"queries": ["quantum"]})
    run = send_digests(engine, mail_settings, day=FRIDAY)
    assert (run.periods[0].composed, run.periods[0].empty) == (1, 1)
    (message,) = smtp.handler.parsed("topics@example.org")
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"].endswith(": 2 papers")
    assert "1. Diffusion Models Beat GANs on Video" in text and "matched: diffusion video" in text
    assert "2. Cats and Robots" in text and "matched: cat:cs.RO" in text
    assert "Robot Learning" not in text
    assert smtp.handler.counts["none@example.org"] == 0
    # a rerun composes and sends nothing new
    again = send_digests(engine, mail_settings, day=FRIDAY)
    assert (again.periods[0].composed, again.periods[0].already) == (0, 1)
    assert smtp.handler.total == 1
    # an operator can ask for empty digests
    empty_ok = mail_settings.model_copy(update={"digest_send_empty": True})
    send_digests(engine, empty_ok, day=FRIDAY + timedelta(days=3))
    assert smtp.handler.counts["none@example.org"] == 1


def test_a_dry_run_writes_and_sends_nothing(
    engine: Engine, mail_settings: Settings, smtp: SmtpSink
) -> None:
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, PAPERS)
    subscribers(engine, mail_settings, ["a@example.org", "b@example.org"])
    run = send_digests(engine, mail_settings, day=FRIDAY, dry_run=True)
    assert (run.periods[0].composed, run.delivery) == (2, None)
    assert outbox_rows(engine) == [] and smtp.handler.total == 0


def test_temporary_failures_are_retried_with_growing_delays(
    engine: Engine, mail_settings: Settings, smtp: SmtpSink
) -> None:
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, PAPERS)
    subscribers(engine, mail_settings, ["slow@example.org", "ok@example.org"])
    smtp.handler.temporary["slow@example.org"] = 2  # 451 twice, then accepted
    started = time.monotonic()
    run = send_digests(engine, mail_settings, day=FRIDAY, max_wait=5)
    assert time.monotonic() - started >= 0.05 + 0.1  # waited 0.05 s, then 0.1 s
    assert run.delivery is not None
    assert (run.delivery.sent, run.delivery.retried, run.delivery.waiting) == (2, 2, 0)
    assert dict(smtp.handler.counts) == {"slow@example.org": 1, "ok@example.org": 1}
    slow = next(r for r in outbox_rows(engine) if r.to_addr == "slow@example.org")
    assert (slow.status, slow.attempts, slow.last_error) == ("sent", 3, None)


def test_an_unreachable_server_is_retried_later_and_the_mail_then_goes_out(
    engine: Engine, mail_settings: Settings, smtp: SmtpSink
) -> None:
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, PAPERS)
    subscribers(engine, mail_settings, ["a@example.org", "b@example.org"])
    with socket.socket() as closed:  # bound, never listening: refused, and no one else's
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        # The run holds back for 1 s: the suite's 0.05 s can be over on a busy machine
        # before the run checks it, and the run would then try the next message.
        down = mail_settings.model_copy(
            update={"smtp_url": f"smtp://127.0.0.1:{port}", "smtp_retry_seconds": 1}
        )
        run = send_digests(engine, down, day=FRIDAY)
    assert run.delivery is not None and (run.delivery.sent, run.delivery.waiting) == (0, 2)
    rows = outbox_rows(engine)
    # the first message took the failure; the other was not even tried
    assert [(r.status, r.attempts) for r in rows] == [("queued", 1), ("queued", 0)]
    assert "cannot connect" in (rows[0].last_error or "")
    report = deliver_outbox(engine, mail_settings, max_wait=5)
    assert (report.sent, report.waiting) == (2, 0) and smtp.handler.total == 2


def test_permanent_failures_pause_the_subscription_after_three(
    engine: Engine, mail_settings: Settings, smtp: SmtpSink
) -> None:
    days = [date(2026, 2, 16) + timedelta(days=n) for n in range(4)]  # Monday to Thursday
    with unit_of_work(engine) as session:
        for day in days:
            list_papers(session, day - timedelta(days=1), {f"Paper of {day}": 1})
    subscribers(engine, mail_settings, ["gone@example.org", "fine@example.org"])
    smtp.handler.permanent.add("gone@example.org")
    reports = [send_digests(engine, mail_settings, day=day, kind="daily") for day in days]
    assert [r.delivery.failed for r in reports if r.delivery] == [1, 1, 1, 0]
    assert [r.delivery.paused for r in reports if r.delivery] == [0, 0, 1, 0]
    assert [r.periods[0].composed for r in reports] == [2, 2, 2, 1]
    gone = subscription(engine, "gone@example.org")
    assert (gone.status, gone.permanent_failures) == ("paused", 3)
    failed = [r for r in outbox_rows(engine) if r.to_addr == "gone@example.org"]
    assert [r.status for r in failed] == ["failed"] * 3
    assert all("550" in (r.last_error or "") for r in failed)
    assert smtp.handler.counts == {"fine@example.org": 4}


def test_a_message_is_cancelled_when_the_subscriber_leaves_before_it_is_sent(
    engine: Engine, mail_settings: Settings, smtp: SmtpSink
) -> None:
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, PAPERS)
    (sub_id,) = subscribers(engine, mail_settings, ["leaves@example.org"])
    period = period_for(mail_settings, "daily", FRIDAY)
    assert compose_period(engine, mail_settings, period=period).composed == 1
    with unit_of_work(engine) as session:
        sub = session.get(Subscription, sub_id)
        assert sub is not None
        unsubscribe(session, sub)
    report = deliver_outbox(engine, mail_settings)
    assert (report.sent, report.cancelled) == (0, 1) and smtp.handler.total == 0
    (row,) = outbox_rows(engine)
    assert (row.status, row.last_error) == ("failed", "cancelled: subscription is unsubscribed")


def test_old_bodies_are_pruned_but_their_keys_stay(
    engine: Engine, mail_settings: Settings, smtp: SmtpSink
) -> None:
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, PAPERS)
    subscribers(engine, mail_settings, ["a@example.org"])
    first = send_digests(engine, mail_settings, day=FRIDAY)
    assert first.pruned == 0
    with unit_of_work(engine) as session:
        session.execute(update(OutboxMessage).values(created_at=utcnow() - timedelta(days=15)))
    again = send_digests(engine, mail_settings, day=FRIDAY)
    assert (again.pruned, again.periods[0].composed, again.periods[0].already) == (1, 0, 1)
    (row,) = outbox_rows(engine)
    assert (row.status, row.body_text, row.body_html) == ("sent", "", None)
    assert smtp.handler.total == 1
