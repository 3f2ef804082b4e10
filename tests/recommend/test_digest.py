"""Personal digests: a subscription of a user with `personal` set gets the period's papers
ranked for that user; others keep the trending order."""

from __future__ import annotations

from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.digest.compose import compose_period
from dailypapers.digest.models import Subscription
from dailypapers.digest.schedule import period_for
from dailypapers.settings import Settings
from tests.digest.helpers import FRIDAY, THURSDAY, outbox_rows, subscribers
from tests.factories import make_user
from tests.recommend.helpers import direction, paper_with_vector, upvote


def test_a_personal_digest_ranks_the_period_for_its_user(
    engine: Engine, settings: Settings
) -> None:
    with unit_of_work(engine) as session:
        user = make_user(session)
        for i in range(3):
            liked = paper_with_vector(
                session, f"Liked robotics {i}", direction(1, 0.1 * i), days_ago=90
            )
            upvote(session, user, liked)
        for title, vector, votes in [
            ("Listed robot grasping", direction(1, 0.05), 1),
            ("Listed galaxy survey", direction(0, 0, 1), 50),
            ("Listed protein folding", direction(0, 0, 0, 1), 20),
        ]:
            paper_with_vector(session, title, vector, listed_on=THURSDAY, base_upvotes=votes)
        user_id = user.id
    personal, plain = subscribers(engine, settings, ["mine@example.org", "plain@example.org"])
    with unit_of_work(engine) as session:
        for sid in (personal, plain):
            row = session.get(Subscription, sid)
            assert row is not None
            row.user_id = user_id
        row = session.get(Subscription, personal)
        assert row is not None
        row.personal = True
    period = period_for(settings, "daily", FRIDAY)
    assert compose_period(engine, settings, period=period).composed == 2
    bodies = {row.to_addr: row.body_text for row in outbox_rows(engine)}
    mine, other = bodies["mine@example.org"], bodies["plain@example.org"]
    assert mine.index("Listed robot grasping") < mine.index("Listed galaxy survey")
    assert "similar to Liked robotics" in mine
    # not personal: trending order (the galaxy survey has the most votes), no reasons
    assert other.index("Listed galaxy survey") < other.index("Listed robot grasping")
    assert "similar to" not in other
