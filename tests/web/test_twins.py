"""A page and its twins (JSON, feed) render one data function: they name the same papers.

Every list page is compared with its JSON answer where the API has one (a day, a week, a
month, the latest day) and with its Atom feed (those and trending, organizations, authors);
a filtered search gives the same papers on the page, in the API and in the feed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from tests.factories import make_paper

ATOM = "{http://www.w3.org/2005/Atom}"
ORG = "deepmind"
AUTHOR = "Ada Twin"
# (listed on, title, category, organization, with code): three days in two ISO weeks
PAPERS = [
    (date(2026, 2, 9), "Sparse attention for long documents", "cs.CL", ORG, True),
    (date(2026, 2, 9), "Attention maps of vision transformers", "cs.CV", None, False),
    (date(2026, 2, 17), "Retrieval with attention and memory", "cs.CL", None, True),
    (date(2026, 2, 19), "Attention sinks in language models", "cs.CL", ORG, False),
    (date(2026, 2, 19), "Diffusion for protein design", "q-bio.BM", ORG, True),
    (date(2026, 2, 19), "Attention is cheap on phones", "cs.CL", None, False),
]


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with unit_of_work(engine) as session:
        for n, (day, title, category, org, code) in enumerate(PAPERS):
            make_paper(
                session,
                title=title,
                listed_on=day,
                organization=org,
                authors=[AUTHOR, f"Other {n}"] if n % 2 else [f"Other {n}"],
                categories=[category],
                primary_category=category,
                code_url=f"https://github.com/twins/{n}" if code else None,
                published_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
                base_upvotes=n,
            )
    app = create_app(settings)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def _page(client: TestClient, path: str, **params: Any) -> list[str]:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return re.findall(
        r'<article class="card[^"]*" id="paper-[^"]+" data-key="([^"]+)"', answer.text
    )


def _json(client: TestClient, path: str, **params: Any) -> list[str]:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return [item["paper"]["id"] for item in answer.json()]


def _feed(client: TestClient, path: str, **params: Any) -> list[str]:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    entries = ET.fromstring(answer.content).iter(f"{ATOM}entry")  # noqa: S314 - our own output
    return [entry.findtext(f"{ATOM}id", "").rsplit("/papers/", 1)[1] for entry in entries]


# (page, its JSON answer's path and query or None, its feed, how many papers it lists).
# Users' pages have neither JSON nor feed; trending's JSON link (`sort=trending`) is the
# latest day's list by trending score, not the trending week, so only its feed is compared.
LISTS = [
    ("/papers", ("/api/daily_papers", {}), "/papers/feed.atom", 3),
    ("/papers/date/2026-02-09", ("/api/daily_papers", {"date": "2026-02-09"}), None, 2),
    ("/papers/date/2026-02-19", ("/api/daily_papers", {"date": "2026-02-19"}), None, 3),
    ("/papers/week/2026-W08", ("/api/daily_papers", {"week": "2026-W08"}), None, 4),
    ("/papers/month/2026-02", ("/api/daily_papers", {"month": "2026-02"}), None, 6),
    ("/papers/trending", None, "/papers/trending/feed.atom", 4),
    (f"/orgs/{ORG}", None, f"/orgs/{ORG}/feed.atom", 3),
    (f"/authors/{AUTHOR}", None, f"/authors/{AUTHOR}/feed.atom", 3),
]


@pytest.mark.parametrize(("page", "json", "feed", "count"), LISTS, ids=[row[0] for row in LISTS])
def test_a_list_page_and_its_twins_name_the_same_papers(
    client: TestClient,
    page: str,
    json: tuple[str, dict[str, str]] | None,
    feed: str | None,
    count: int,
) -> None:
    shown = _page(client, page)
    assert len(shown) == count
    if json is not None:
        path, params = json
        assert sorted(_json(client, path, limit=100, **params)) == sorted(shown)
    feed = feed or page + "/feed.atom"
    assert sorted(_feed(client, feed)) == sorted(shown)


SEARCHES = [
    {"q": "attention"},
    {"q": "attention", "category": "cs.CL"},
    {"q": "attention", "org": ORG},
    {"q": "attention", "code": "true"},
    {"q": "attention", "from": "2026-02-17", "to": "2026-02-19"},
    {"q": "attention", "category": "cs.CL", "code": "true", "from": "2026-02-10"},
]


@pytest.mark.parametrize(
    "params", SEARCHES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items())
)
def test_a_filtered_search_gives_the_same_papers_on_the_page_and_in_the_api(
    client: TestClient, params: dict[str, str]
) -> None:
    shown = _page(client, "/search", **params)
    assert shown  # every search here finds something
    assert _json(client, "/api/papers/search", limit=20, **params) == shown
    assert _feed(client, "/search/feed.atom", **params)[:20] == shown
