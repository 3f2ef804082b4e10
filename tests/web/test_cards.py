"""What every card shows, as Hugging Face's do (issue 14, item 12)."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from tests.factories import make_paper

DAY = date(2026, 2, 19)


def test_cards_show_org_badge_stars_submitter_and_comment_count(
    client: TestClient, engine: Engine
) -> None:
    with unit_of_work(engine) as session:
        key = make_paper(
            session,
            title="Carded paper",
            listed_on=DAY,
            organization="Hugging Face",
            code_url="https://github.com/org/repo",
            github_stars=1234,
            submitter_name="akhaliq",
        ).key
    for page in (client.get("/").text, client.get(f"/papers/{key}").text):
        assert '<span class="badge" aria-hidden="true">HF</span>Hugging Face' in page
        assert "Submitted by akhaliq" in page
    home = client.get("/").text
    assert "★ 1234" in home  # beside the code link
    assert 'class="comment-count"' in home and ">0 comments</a>" in home  # even at zero
