"""kill -9 the sender midway, run it again: everyone gets exactly one digest.

The SMTP server counts messages per recipient. Two places to die:
- after the final dot, while the server is still answering (its handler is slow): the server
  has the message, so the rerun must not send it again;
- before the final dot, while the server holds the RCPT command: the server drops the
  half-received message, so the rerun must send it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.digest.run import send_digests
from dailypapers.mail.delivery import deliver_outbox
from dailypapers.settings import Settings
from tests.digest.helpers import FRIDAY, THURSDAY, list_papers, outbox_rows, subscribers
from tests.digest.smtp_sink import SmtpSink

DAILYPAPERS = Path(sys.executable).with_name("dailypapers")
RECIPIENTS = [f"reader{n:02d}@example.org" for n in range(12)]
KILL_AT = 5


def _sender(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DAILYPAPERS_ENV": "test",
        "DAILYPAPERS_DATABASE_URL": settings.database_url,
        "DAILYPAPERS_DATA_DIR": str(settings.data_dir),
        "DAILYPAPERS_SECRET_KEY": settings.secret_key,
        "DAILYPAPERS_SMTP_URL": settings.smtp_url,
        "DAILYPAPERS_BASE_URL": settings.base_url,
    }
    command = [str(DAILYPAPERS), "digest", "send", "--date", FRIDAY.isoformat(), "--wait", "0"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("moment", "pipelining"),
    [("after_final_dot", False), ("before_final_dot", False), ("before_final_dot", True)],
)
def test_a_sender_killed_midway_and_rerun_sends_each_digest_once(
    moment: str, pipelining: bool, engine: Engine, mail_settings: Settings, smtp: SmtpSink
) -> None:
    with unit_of_work(engine) as session:
        list_papers(session, THURSDAY, {"A paper": 3, "Another paper": 1})
    subscribers(engine, mail_settings, RECIPIENTS)
    handler = smtp.handler
    handler.pipelining = pipelining
    if moment == "after_final_dot":
        handler.delay = 0.5  # the server counts a message, then takes its time to say 250
    else:
        handler.stall_on_rcpt = KILL_AT
    sender = _sender(mail_settings)
    try:
        if moment == "after_final_dot":
            handler.wait_for(KILL_AT, timeout=60)
        elif not handler.stalled.wait(timeout=60):
            raise TimeoutError(f"the sender never reached recipient {KILL_AT}")
        os.kill(sender.pid, signal.SIGKILL)
        output = sender.communicate(timeout=30)[0].decode()
    finally:
        if sender.poll() is None:
            sender.kill()
    assert sender.returncode == -signal.SIGKILL, output
    handler.release.set()
    handler.delay = 0.0
    received_before = handler.total
    assert received_before == (KILL_AT if moment == "after_final_dot" else KILL_AT - 1)

    rerun = send_digests(engine, mail_settings, day=FRIDAY)
    assert rerun.periods[0].composed == 0  # everything was composed before the kill
    assert dict(handler.counts) == dict.fromkeys(RECIPIENTS, 1)
    statuses = sorted(row.status for row in outbox_rows(engine))
    interrupted = 1 if moment == "after_final_dot" else 0
    assert statuses == ["sending"] * interrupted + ["sent"] * (len(RECIPIENTS) - interrupted)

    # later, a claim whose sender died is taken as sent, never sent again
    later = utcnow() + timedelta(hours=1)
    report = deliver_outbox(engine, mail_settings, clock=lambda: later)
    assert (report.sent, report.unconfirmed) == (0, interrupted)
    assert {row.status for row in outbox_rows(engine)} == {"sent"}
    assert handler.total == len(RECIPIENTS)
