"""Lists by period, votes, comments, submissions, moderation and profile pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from dailypapers.accounts.models import User
from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.records import PaperRecord
from dailypapers.ingest.submit import SubmissionError, parse_arxiv_ref, submit_paper
from dailypapers.papers.models import DailyEntry
from tests.factories import make_paper, make_user
from tests.web.helpers import post_form, sign_up

DAY = date(2026, 2, 19)


def _paper(engine: Engine, **fields: object) -> str:
    with unit_of_work(engine) as session:
        return make_paper(session, **fields).key  # type: ignore[arg-type]


def _make_admin(engine: Engine, username: str) -> None:
    with unit_of_work(engine) as session:
        session.execute(update(User).where(User.username == username).values(role="admin"))


def test_day_week_month_pages_and_navigation(client: TestClient, engine: Engine) -> None:
    _paper(engine, title="Monday paper", listed_on=date(2026, 2, 16))
    _paper(engine, title="Thursday paper", listed_on=DAY)
    _paper(engine, title="January paper", listed_on=date(2026, 1, 30))
    day = client.get("/papers/date/2026-02-19").text
    assert "Thursday paper" in day and "Monday paper" not in day
    assert 'href="/papers/date/2026-02-16"' in day  # previous listed day, skipping empty ones
    week = client.get("/papers/week/2026-W08").text
    assert "Thursday paper" in week and "Monday paper" in week and "January paper" not in week
    # week and month arrows skip empty periods, as day arrows skip empty days
    assert 'href="/papers/week/2026-W05"' in week and 'rel="next"' not in week
    month = client.get("/papers/month/2026-02").text
    assert "Monday paper" in month and "January paper" not in month
    assert 'href="/papers/month/2026-01"' in month
    january = client.get("/papers/month/2025-12").text
    assert 'href="/papers/month/2026-01"' in january and 'rel="prev"' not in january
    assert client.get("/papers?date=2026-02-16", follow_redirects=False).headers["location"] == (
        "/papers/date/2026-02-16"
    )
    bad = client.get("/papers/date/2025-13-40")
    assert bad.status_code == 400 and "not a valid day" in bad.text
    assert client.get("/papers/week/2026-W60").status_code == 400


def test_upvote_sets_the_vote_once_per_user(client: TestClient, engine: Engine) -> None:
    key = _paper(engine, listed_on=DAY, base_upvotes=2)
    anonymous = post_form(client, f"/papers/{key}/upvote", {"back": f"/?p=1#paper-{key}"})
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == (
        f"/login?next=%2F%3Fp%3D1%23paper-{key}&vote={key}"
    )  # the log-in page says why, applies the vote, and returns to the card
    sign_up(client, "ada")
    assert post_form(client, f"/papers/{key}/upvote").status_code == 303
    assert '<span class="count">3</span>' in client.get(f"/papers/{key}").text
    json = {"accept": "application/json"}
    for _ in range(2):  # a double click sends the same request twice: still one vote
        again = post_form(client, f"/papers/{key}/upvote", {"voted": "1"}, headers=json)
        assert again.json() == {"voted": True, "upvotes": 3}
        assert post_form(client, f"/papers/{key}/upvote", headers=json).json()["voted"] is True
    for _ in range(2):
        removed = post_form(client, f"/papers/{key}/unvote", headers=json)
        assert removed.json() == {"voted": False, "upvotes": 2}
    assert post_form(client, f"/papers/{key}/upvote", {"voted": "0"}, headers=json).json() == {
        "voted": False,
        "upvotes": 2,
    }
    toggled = post_form(client, f"/papers/{key}/upvote", {"voted": "toggle"}, headers=json)
    assert toggled.json() == {"voted": True, "upvotes": 3}  # old clients' explicit toggle


@pytest.mark.parametrize("spelled", ["hep-th/9901001", "hep-th%2F9901001"])
def test_an_old_style_arxiv_id_has_its_pages(
    client: TestClient, engine: Engine, spelled: str
) -> None:
    """`hep-th/9901001` holds a `/`: the page, its Markdown, the API, the comments and the
    vote form answer for it, spelled as it is or with `%2F` (as emails and cards link)."""
    key = _paper(engine, arxiv_id="hep-th/9901001", title="Old style", listed_on=DAY)
    assert key == "hep-th/9901001"
    assert "Old style" in client.get(f"/papers/{spelled}").text
    assert "# Old style" in client.get(f"/papers/{spelled}.md").text
    assert client.get(f"/api/papers/{spelled}").json()["id"] == key
    assert client.get(f"/api/papers/{spelled}/comments").status_code == 200
    sign_up(client, "ada")
    json = {"accept": "application/json"}
    assert post_form(client, f"/papers/{spelled}/upvote", headers=json).json()["voted"] is True


def test_comments_are_escaped_linked_editable_and_moderated(
    client: TestClient, engine: Engine
) -> None:
    key = _paper(engine, listed_on=DAY)
    sign_up(client, "ada")
    body = "See https://example.org/x?a=1&b=2 <script>alert(1)</script>"
    assert post_form(client, f"/papers/{key}/comments", {"body": body}).status_code == 303
    page = client.get(f"/papers/{key}").text
    assert '<a href="https://example.org/x?a=1&amp;b=2" rel="nofollow ugc noopener">' in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    empty = post_form(client, f"/papers/{key}/comments", {"body": "   "})
    assert empty.status_code == 400 and 'id="comment-error"' in empty.text  # beside the form
    assert "A comment cannot be empty." in empty.text and "Add a comment" in empty.text
    with unit_of_work(engine) as session:
        from dailypapers.community.models import Comment

        comment_id = session.scalar(select(Comment.id))
    assert (
        post_form(client, f"/comments/{comment_id}/edit", {"body": "Better words"}).status_code
        == 303
    )
    assert "Better words" in client.get(f"/papers/{key}").text
    post_form(client, "/logout")
    sign_up(client, "mallory")
    asked = post_form(client, f"/comments/{comment_id}/delete")
    assert asked.status_code == 200 and "Delete this comment?" in asked.text  # no JS: a page
    refused = post_form(client, f"/comments/{comment_id}/delete", {"confirmed": "1"})
    assert refused.status_code == 404
    assert post_form(client, f"/comments/{comment_id}/hide").status_code == 403
    _make_admin(engine, "mallory")
    assert post_form(client, f"/comments/{comment_id}/hide").status_code == 303
    post_form(client, "/logout")
    assert "Better words" not in client.get(f"/papers/{key}").text


def test_admin_hides_and_features_papers(client: TestClient, engine: Engine) -> None:
    key = _paper(engine, title="Moderated paper", listed_on=DAY)
    sign_up(client, "root")
    assert post_form(client, f"/papers/{key}/hide").status_code == 403
    _make_admin(engine, "root")
    assert post_form(client, f"/papers/{key}/feature").status_code == 303
    assert 'class="card featured"' in client.get("/").text
    assert post_form(client, f"/papers/{key}/hide").status_code == 303
    assert "Moderated paper" not in client.get("/papers/date/2026-02-19").text
    post_form(client, "/logout")
    assert client.get(f"/papers/{key}").status_code == 404


def test_org_author_and_user_pages(client: TestClient, engine: Engine) -> None:
    key = _paper(
        engine, title="Org paper", organization="nvidia", authors=["Grace Hopper"], listed_on=DAY
    )
    assert "Org paper" in client.get("/orgs/nvidia").text
    assert "Org paper" in client.get("/authors/Grace%20Hopper").text
    assert client.get("/orgs/nobody").status_code == 404
    assert client.get("/authors/Nobody%20Here").status_code == 404
    sign_up(client, "ada")
    post_form(client, f"/papers/{key}/upvote")
    profile = client.get("/users/ada").text
    assert "Upvoted" in profile and "Org paper" in profile
    assert client.get("/users/ghost").status_code == 404


def test_submit_page_requires_login_and_explains_refusals(
    client: TestClient, engine: Engine
) -> None:
    assert (
        client.get("/submit", follow_redirects=False).headers["location"] == "/login?next=/submit"
    )
    key = _paper(engine, listed_on=DAY)
    sign_up(client, "ada")
    again = post_form(client, "/submit", {"arxiv": f"https://arxiv.org/abs/{key}v2"})
    assert again.status_code == 400 and "already listed" in again.text
    nonsense = post_form(client, "/submit", {"arxiv": "not an id"})
    assert nonsense.status_code == 400 and "is not an arXiv id" in nonsense.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2502.12345", "2502.12345"),
        ("arXiv:2502.12345v3", "2502.12345"),
        ("https://arxiv.org/abs/2502.12345v2", "2502.12345"),
        ("https://arxiv.org/pdf/2502.12345.pdf", "2502.12345"),
        ("hep-th/9901001", "hep-th/9901001"),
    ],
)
def test_arxiv_references(text: str, expected: str) -> None:
    assert parse_arxiv_ref(text) == expected


def _record(arxiv_id: str, published: date) -> PaperRecord:
    when = datetime(published.year, published.month, published.day, tzinfo=UTC)
    return PaperRecord(title=f"Fetched {arxiv_id}", arxiv_id=arxiv_id, published_at=when)


def test_submission_rules(engine: Engine) -> None:
    today = date(2026, 3, 1)
    fetched: list[str] = []

    def fetch(arxiv_id: str) -> PaperRecord | None:
        fetched.append(arxiv_id)
        if arxiv_id == "2602.00404":
            return None
        old = arxiv_id == "2601.00001"
        return _record(arxiv_id, today - timedelta(days=30 if old else 2))

    with unit_of_work(engine) as session:
        user = make_user(session)
        admin = make_user(session, role="admin")
        done = submit_paper(session, user=user, arxiv_ref="2602.00001", today=today, fetch=fetch)
        assert done.fetched and done.day == today
        entry = session.scalar(select(DailyEntry).where(DailyEntry.paper_id == done.paper.id))
        assert entry is not None and (entry.source, entry.submitter_id) == ("user", user.id)
        with pytest.raises(SubmissionError, match="already listed"):
            submit_paper(session, user=admin, arxiv_ref="2602.00001", today=today, fetch=fetch)
        with pytest.raises(SubmissionError, match="only papers from the last 14 days"):
            submit_paper(session, user=user, arxiv_ref="2601.00001", today=today, fetch=fetch)
        with pytest.raises(SubmissionError, match="arXiv has no paper"):
            submit_paper(session, user=user, arxiv_ref="2602.00404", today=today, fetch=fetch)
        for n in range(2, 6):
            submit_paper(session, user=user, arxiv_ref=f"2602.0000{n}", today=today, fetch=fetch)
        with pytest.raises(SubmissionError, match="at most 5 papers a day"):
            submit_paper(session, user=user, arxiv_ref="2602.00009", today=today, fetch=fetch)
        # admins are exempt from the age rule; nothing was kept of the refused submission,
        # so the paper is fetched anew (one already stored is not: "already listed" above)
        before = len(fetched)
        submit_paper(session, user=admin, arxiv_ref="2601.00001", today=today, fetch=fetch)
        assert len(fetched) == before + 1
