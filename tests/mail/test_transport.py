"""The SMTP transport: its URL, logging in, and two senders working the same outbox."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, update

from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.digest.compose import compose_period
from dailypapers.digest.schedule import period_for
from dailypapers.mail.delivery import Deliverer, DeliveryReport, deliver_outbox, transport_for
from dailypapers.mail.models import OutboxMessage
from dailypapers.mail.smtp import SmtpConfig
from dailypapers.settings import Settings
from tests.digest.helpers import FRIDAY, THURSDAY, list_papers, outbox_rows, subscribers
from tests.digest.smtp_sink import CountingHandler, SmtpSink


def test_the_smtp_url_names_server_login_and_tls() -> None:
    config = SmtpConfig.from_url("smtp://mailer:p%40ss@mail.example.org:587?starttls=1")
    assert (config.host, config.port, config.username, config.password, config.starttls) == (
        "mail.example.org", 587, "mailer", "p@ss", True,
    )  # fmt: skip
    implicit = SmtpConfig.from_url("smtps://mail.example.org")
    assert (implicit.port, implicit.implicit_tls, implicit.starttls) == (465, True, False)
    assert SmtpConfig.from_url("smtp://localhost").port == 25
    with pytest.raises(ValueError, match="DAILYPAPERS_SMTP_URL"):
        SmtpConfig.from_url("http://mail.example.org")


def test_the_sender_logs_in_and_a_wrong_password_sends_nothing(
    engine: Engine, mail_settings: Settings
) -> None:
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, {"A paper": 1})
    subscribers(engine, mail_settings, ["a@example.org"])
    compose_period(engine, mail_settings, period=period_for(mail_settings, "daily", FRIDAY))
    handler = CountingHandler()
    with SmtpSink(handler, login=("mailer", "s3cret")) as sink:
        wrong = mail_settings.model_copy(  # aiosmtpd goes quiet after a failed AUTH
            update={"smtp_url": f"smtp://mailer:nope@127.0.0.1:{sink.port}",
                    "smtp_timeout_seconds": 1}
        )  # fmt: skip
        report = deliver_outbox(engine, wrong)
        assert (report.sent, handler.total) == (0, 0)
        (row,) = outbox_rows(engine)
        assert row.status in ("queued", "failed") and row.last_error
        with unit_of_work(engine) as session:
            session.execute(update(OutboxMessage).values(status="queued", next_attempt_at=utcnow()))
        right = mail_settings.model_copy(  # the usual timeout: 1 s can pass on a busy machine
            update={"smtp_url": f"smtp://mailer:s3cret@127.0.0.1:{sink.port}"}
        )
        assert deliver_outbox(engine, right).sent == 1 and handler.total == 1


def test_two_senders_at_once_send_each_message_once(
    engine: Engine, mail_settings: Settings, smtp: SmtpSink
) -> None:
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, {"A paper": 1})
    emails = [f"r{n}@example.org" for n in range(30)]
    subscribers(engine, mail_settings, emails)
    compose_period(engine, mail_settings, period=period_for(mail_settings, "daily", FRIDAY))
    smtp.handler.delay = 0.005
    reports: list[DeliveryReport] = []

    def run() -> None:
        sender = Deliverer(engine, mail_settings, transport_for(mail_settings))
        reports.append(sender.run())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert dict(smtp.handler.counts) == dict.fromkeys(emails, 1)
    assert sum(r.sent for r in reports) == 30
    assert sum(r.claimed_elsewhere for r in reports) >= 1  # they did collide
    assert {row.status for row in outbox_rows(engine)} == {"sent"}


@pytest.mark.parametrize("pipelining", [False, True])
def test_refusals_at_each_step_with_and_without_pipelining(
    pipelining: bool, engine: Engine, mail_settings: Settings, smtp: SmtpSink
) -> None:
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, {"A paper": 1})
    emails = ["first@example.org", "unknown@example.org", "later@example.org", "busy@example.org"]
    subscribers(engine, mail_settings, emails)
    compose_period(engine, mail_settings, period=period_for(mail_settings, "daily", FRIDAY))
    smtp.handler.pipelining = pipelining
    smtp.handler.refuse_rcpt.add("unknown@example.org")
    smtp.handler.temporary["busy@example.org"] = 1
    report = deliver_outbox(engine, mail_settings, max_wait=5)
    assert (report.sent, report.failed, report.retried) == (3, 1, 1)
    assert dict(smtp.handler.counts) == {
        "first@example.org": 1, "later@example.org": 1, "busy@example.org": 1,
    }  # fmt: skip
    refused = next(r for r in outbox_rows(engine) if r.to_addr == "unknown@example.org")
    assert refused.status == "failed" and (refused.last_error or "").startswith("550")
