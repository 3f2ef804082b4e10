"""Collections: create, add with a note, remove, public and private pages, JSON."""

from __future__ import annotations

from datetime import date

import feedparser
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dailypapers.community.models import Collection
from dailypapers.db.engine import unit_of_work
from tests.factories import make_paper
from tests.web.helpers import post_form, sign_up


def test_collection_life_cycle(client: TestClient, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        first = make_paper(session, title="First kept paper", listed_on=date(2026, 2, 19)).key
        second = make_paper(session, title="Second kept paper", listed_on=date(2026, 2, 19)).key
    sign_up(client, "ada")
    made = post_form(client, "/collections", {"name": "Reading group: week 1", "paper": first})
    assert made.status_code == 303
    assert made.headers["location"].startswith(f"/papers/{first}?saved=")
    assert "Saved to ‘Reading group: week 1’" in client.get(made.headers["location"]).text
    with unit_of_work(engine) as session:
        collection = session.scalar(select(Collection))
        assert collection is not None and collection.slug == "reading-group-week-1"
        cid, slug = collection.id, collection.slug
    added = post_form(
        client, "/collections/add", {"collection": cid, "paper": second, "note": "read <b>this</b>"}
    )
    assert added.status_code == 303
    url = f"/users/ada/collections/{slug}"
    page = client.get(url).text
    assert "First kept paper" in page and "Second kept paper" in page
    assert 'value="read &lt;b&gt;this&lt;/b&gt;"' in page  # the owner edits notes in place
    assert "Remove from collection" in page
    edit = {"paper": second, "note": "chapter 2", "back": url}
    noted = post_form(client, f"/collections/{cid}/items/note", edit)
    assert noted.status_code == 303 and noted.headers["location"] == url
    assert 'value="chapter 2"' in client.get(url).text
    data = client.get(f"{url}.json").json()
    assert [i["id"] for i in data["items"]] == [second, first] and data["public"] is False
    # private: invisible to others
    post_form(client, "/logout")
    assert client.get(url).status_code == 404
    sign_up(client, "bob")
    assert (
        post_form(client, "/collections/add", {"collection": cid, "paper": first}).status_code
        == 400
    )
    post_form(client, "/logout")
    client.cookies.clear()
    from tests.web.helpers import csrf

    csrf(client)
    post_form(client, "/login", {"login": "ada", "password": "correct horse battery"})
    assert post_form(client, f"/collections/{cid}/visibility", {"public": "1"}).status_code == 303
    post_form(client, f"/collections/{cid}/items/remove", {"paper": first})
    post_form(client, "/logout")
    public = client.get(url)
    assert public.status_code == 200 and "First kept paper" not in public.text
    assert "Second kept paper" in public.text
    assert "Note: chapter 2" in public.text and 'class="feed rss"' in public.text
    assert "Reading group: week 1" in client.get("/users/ada").text
    for fmt in ("rss", "atom"):
        feed = feedparser.parse(client.get(f"{url}/feed.{fmt}").content)
        assert not feed.bozo, feed.get("bozo_exception")
        assert [entry.title for entry in feed.entries] == ["Second kept paper"]
