"""GET /api/papers/{id}/comments in Hugging Face's comment shape; author and organization
names holding a `/` have working pages, feeds and links (both backends)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi.testclient import TestClient
from huggingface_hub.community import DiscussionComment, deserialize_event
from sqlalchemy import Engine

from dailypapers.community.comments import add_comment, edit_comment, set_comment_hidden
from dailypapers.db.engine import unit_of_work
from dailypapers.papers.admin import set_hidden
from tests.factories import make_paper, make_user

DAY = date(2026, 2, 19)


def test_a_papers_comments_as_hugging_face_comment_events(
    client: TestClient, engine: Engine
) -> None:
    with unit_of_work(engine) as session:
        paper = make_paper(session, title="Talked about", listed_on=DAY)
        ada, admin = make_user(session, username="ada"), make_user(session, role="admin")
        first = add_comment(session, user=ada, paper=paper, body="First <b>thought</b>")
        edit_comment(session, user=ada, comment_id=first.id, body="First thought, edited")
        hidden = add_comment(session, user=ada, paper=paper, body="spam")
        set_comment_hidden(session, admin=admin, comment_id=hidden.id, hidden=True)
        add_comment(session, user=admin, paper=paper, body="Second")
        key = paper.key
    answer = client.get(f"/api/papers/{key}/comments")
    assert answer.status_code == 200
    listed = answer.json()
    assert listed["count"] == 2 and [c["data"]["latest"]["raw"] for c in listed["comments"]] == [
        "First thought, edited",
        "Second",
    ]
    events = [deserialize_event(item) for item in listed["comments"]]  # the HF client's parser
    assert all(isinstance(event, DiscussionComment) for event in events)
    assert events[0].author == "ada" and events[0].edited and not events[0].hidden
    assert events[0].content == "First thought, edited"  # type: ignore[attr-defined]
    assert events[0].created_at <= events[1].created_at


def test_comments_of_a_missing_or_hidden_paper_are_404(client: TestClient, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        paper = make_paper(session, title="Taken down", listed_on=DAY)
        set_hidden(session, admin=make_user(session, role="admin"), key=paper.key, hidden=True)
        key = paper.key
    assert client.get(f"/api/papers/{key}/comments").status_code == 404
    assert client.get("/api/papers/2601.99999/comments").json()["error"].startswith("No paper")


def test_names_with_a_slash_have_pages_feeds_and_links(client: TestClient, engine: Engine) -> None:
    org, author = "AI/ML Lab", "Jean/Paul Doe"
    with unit_of_work(engine) as session:
        paper = make_paper(
            session, title="Slashes in names", listed_on=DAY, organization=org, authors=[author]
        )
        key = paper.key
    page = client.get(f"/papers/{key}").text
    assert f'href="/orgs/{quote(org, safe="")}"' in page
    assert f'href="/authors/{quote(author, safe="")}"' in page
    for url in (f"/orgs/{quote(org, safe='')}", f"/authors/{quote(author, safe='')}"):
        answer = client.get(url)
        assert answer.status_code == 200 and "Slashes in names" in answer.text, url
        for fmt in ("rss", "atom"):
            feed = client.get(f"{url}/feed.{fmt}")
            assert feed.status_code == 200 and "Slashes in names" in feed.text, (url, fmt)
    assert client.get("/orgs/AI").status_code == 404  # the part before the slash is not it
