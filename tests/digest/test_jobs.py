"""The worker sends the digests on their days and keeps the outbox moving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.jobs.registry import Job, registered_jobs
from dailypapers.jobs.worker import run_due
from dailypapers.settings import Settings
from tests.digest.helpers import THURSDAY, list_papers, outbox_rows, subscribers
from tests.digest.smtp_sink import SmtpSink

FRIDAY_8AM = datetime(2026, 2, 20, 8, 0, tzinfo=UTC)


def digest_jobs() -> list[Job]:
    return [job for job in registered_jobs() if job.name.startswith("digest-")]


def test_the_worker_sends_each_days_digest_once(
    engine: Engine, mail_settings: Settings, smtp: SmtpSink
) -> None:
    assert [job.name for job in digest_jobs()] == ["digest-send", "digest-deliver"]
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, {"A paper": 2, "Another": 1})
    subscribers(engine, mail_settings, ["daily@example.org"])
    subscribers(engine, mail_settings, ["weekly@example.org"], frequency="weekly")
    results = {r.job: r for r in run_due(engine, mail_settings, digest_jobs(), now=FRIDAY_8AM)}
    assert results["digest-send"].status == "ok"
    assert results["digest-send"].slot == "2026-02-20"
    assert "daily:2026-02-20: 1 composed" in results["digest-send"].message
    assert dict(smtp.handler.counts) == {"daily@example.org": 1}
    # the same day again: nothing; the delivery job runs in its own slots
    again = run_due(engine, mail_settings, digest_jobs(), now=FRIDAY_8AM + timedelta(minutes=7))
    assert [r.job for r in again] == ["digest-deliver"]
    # Monday: the daily digest (Friday to Sunday, nothing listed: no email) and the weekly one
    monday = run_due(engine, mail_settings, digest_jobs(), now=FRIDAY_8AM + timedelta(days=3))
    send = next(r for r in monday if r.job == "digest-send")
    assert "weekly:2026-02-23: 1 composed" in send.message and "daily:2026-02-23: 0" in send.message
    assert dict(smtp.handler.counts) == {"daily@example.org": 1, "weekly@example.org": 1}
    assert len(outbox_rows(engine)) == 2
