"""Server-side SVG: the upvote sparkline on paper pages, bars with escaped labels."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.charts.svg import bar_chart, sparkline
from dailypapers.community.models import Upvote
from dailypapers.community.votes import upvote_history
from dailypapers.db.engine import unit_of_work
from tests.factories import make_paper, make_user


def test_upvote_history_is_cumulative_per_day(engine: Engine) -> None:
    start = datetime(2026, 2, 19, 9, tzinfo=UTC)
    with unit_of_work(engine) as session:
        paper = make_paper(session, listed_on=date(2026, 2, 19), base_upvotes=2)
        for n, offset in enumerate([0, 0, 1, 3]):
            user = make_user(session)
            session.add(
                Upvote(
                    user_id=user.id,
                    paper_id=paper.id,
                    created_at=start + timedelta(days=offset, minutes=n),
                )
            )
        session.flush()
        assert upvote_history(session, paper=paper) == [2, 4, 5, 5, 6]


def test_svg_is_well_formed_and_escaped() -> None:
    svg = str(bar_chart([("<w1>", 3), ("w2", 0), ("w3", 7)], label="a & b"))
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) == 3
    assert "&lt;w1&gt;: 3" in svg and "style=" not in svg
    line = ET.fromstring(str(sparkline([1, 2, 3])))  # noqa: S314
    assert line.find("{http://www.w3.org/2000/svg}polyline") is not None


def test_paper_page_shows_the_sparkline_once_voted(client: TestClient, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        paper = make_paper(session, listed_on=date(2026, 2, 19), base_upvotes=3)
        key = paper.key
    assert '<svg class="sparkline"' not in client.get(f"/papers/{key}").text
    with unit_of_work(engine) as session:
        session.add(Upvote(user_id=make_user(session).id, paper_id=paper.id))
    assert '<svg class="sparkline"' in client.get(f"/papers/{key}").text
