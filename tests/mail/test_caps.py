"""Per-mailbox daily caps on the emails anyone can trigger, `+tags` folded; rate limits on
token, collection creation and comment edits."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from dailypapers.accounts.reset import queue_reset_email
from dailypapers.community.models import Comment
from dailypapers.db.base import utcnow
from dailypapers.db.engine import unit_of_work
from dailypapers.mail.caps import DAILY_CAP, fold_address
from dailypapers.mail.models import OutboxMessage
from dailypapers.settings import Settings
from tests.factories import make_paper, make_user
from tests.web.helpers import post_form, sign_up


def _queued(engine: Engine, kind: str) -> int:
    with engine.connect() as conn:
        query = select(func.count()).where(OutboxMessage.kind == kind)
        return conn.scalar(query) or 0


def test_tags_fold_into_one_mailbox() -> None:
    assert fold_address("Ada+News@Example.org") == "ada@example.org"
    assert fold_address("ada+a+b@example.org") == "ada@example.org"
    assert fold_address("a_b%c@example.org") == "a_b%c@example.org"


def test_confirmations_to_one_mailbox_stop_at_the_cap(client: TestClient, engine: Engine) -> None:
    for n in range(DAILY_CAP + 2):
        answer = post_form(client, "/subscribe", {"email": f"ada+{n}@example.org"})
        assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert post_form(client, "/subscribe", {"email": "bob@example.org"}).status_code == 200
    assert _queued(engine, "confirm") == DAILY_CAP + 1  # ada's five, and bob's


def test_reset_emails_stop_at_the_cap(session: Session, settings: Settings) -> None:
    user = make_user(session)
    ids = [queue_reset_email(session, settings, user=user, now=utcnow()) for _ in range(7)]
    assert [i is not None for i in ids] == [True] * DAILY_CAP + [False] * 2


def test_token_and_collection_creation_are_rate_limited(client: TestClient) -> None:
    sign_up(client, "tess")
    codes = [
        post_form(client, "/settings/tokens", {"name": f"t{n}"}).status_code for n in range(11)
    ]
    assert codes == [200] * 10 + [429]
    made = [post_form(client, "/collections", {"name": f"c{n}"}).status_code for n in range(21)]
    assert made == [303] * 20 + [429]


def test_comment_edits_are_rate_limited(client: TestClient) -> None:
    engine: Engine = client.app.state.engine
    with unit_of_work(engine) as session:
        key = make_paper(session, title="A paper to discuss").key
    sign_up(client, "cara")
    assert post_form(client, f"/papers/{key}/comments", {"body": "First"}).status_code == 303
    with engine.connect() as conn:
        comment_id = conn.scalar(select(Comment.id))
    edits = [
        post_form(client, f"/comments/{comment_id}/edit", {"body": f"Edit {n}"}).status_code
        for n in range(31)
    ]
    assert edits == [303] * 30 + [429]
