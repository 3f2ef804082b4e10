"""The real `huggingface_hub` client, unchanged, against a live server over a real socket."""

from __future__ import annotations

from datetime import UTC, date, datetime

import huggingface_hub.constants
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.demo import DEMO_DATE, load_demo
from tests.api.conftest import LiveServer
from tests.factories import make_paper

NEXT_DAY = date(2026, 2, 20)


@pytest.fixture
def api(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> HfApi:
    # Another test may have loaded the embedding model with HF_HUB_OFFLINE=1, which the
    # client reads once at import and then refuses every request; our server is local.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    # An unknown token, as a user's own Hugging Face token would be: reads ignore it.
    return HfApi(endpoint=live_server.url, token="hf_not_a_token_of_this_site")


@pytest.fixture
def keys(engine: Engine) -> dict[str, str]:
    with unit_of_work(engine) as session:
        load_demo(session)
        alpha = make_paper(
            session,
            title="Alpha: a tokenizer for everything",
            listed_on=NEXT_DAY,
            organization="acme",
            authors=["Ada Lovelace", "Alan Turing"],
            published_at=datetime(2026, 2, 18, 9, 30, 12, 345678, tzinfo=UTC),
            code_url="https://github.com/acme/alpha",
            github_stars=42,
            project_url="https://acme.example/alpha",
            ai_summary="Alpha tokenizes everything.",
            ai_keywords=["tokenizer", "alpha"],
            submitter_name="hf_person",
            base_upvotes=7,
        )
        beta = make_paper(session, title="Beta", listed_on=NEXT_DAY, base_upvotes=30)
        return {"alpha": alpha.key, "beta": beta.key}


def test_list_daily_papers(api: HfApi, keys: dict[str, str]) -> None:
    latest = list(api.list_daily_papers())
    assert {paper.id for paper in latest} == {keys["alpha"], keys["beta"]}
    alpha = next(paper for paper in latest if paper.id == keys["alpha"])
    assert alpha.title == "Alpha: a tokenizer for everything"
    assert alpha.summary == f"Abstract of paper number {int(keys['alpha'][-5:])}."
    assert [author.name for author in alpha.authors or []] == ["Ada Lovelace", "Alan Turing"]
    assert alpha.published_at == datetime(2026, 2, 18, 9, 30, 12, 345000, tzinfo=UTC)
    assert alpha.submitted_at == datetime(2026, 2, 20, tzinfo=UTC)
    assert alpha.submitted_by is not None and alpha.submitted_by.username == "hf_person"
    assert alpha.organization is not None and alpha.organization.name == "acme"
    assert alpha.upvotes == 7 and alpha.comments == 0
    assert alpha.ai_summary == "Alpha tokenizes everything."
    assert alpha.ai_keywords == ["tokenizer", "alpha"]
    assert alpha.github_repo == "https://github.com/acme/alpha" and alpha.github_stars == 42
    assert alpha.project_page == "https://acme.example/alpha"

    day = list(api.list_daily_papers(date=DEMO_DATE.isoformat(), limit=100))
    assert len(day) == 54 and all(paper.submitted_at for paper in day)
    week = list(api.list_daily_papers(week="2026-W08", limit=20, p=2))
    assert len(week) == 56 - 40
    month = list(api.list_daily_papers(month="2026-02", sort="trending", limit=2))
    assert len(month) == 2 and month[0].id == keys["beta"]  # 30 upvotes, newest day
    mine = list(api.list_daily_papers(month="2026-02", submitter="hf_person"))
    assert [paper.id for paper in mine] == [keys["alpha"]]


def test_list_papers_paper_info_and_read_paper(api: HfApi, keys: dict[str, str]) -> None:
    found = list(api.list_papers(query="tokenizer everything", limit=5))
    assert found[0].id == keys["alpha"] and found[0].title.startswith("Alpha")

    info = api.paper_info(keys["alpha"])
    assert info.id == keys["alpha"] and info.title == "Alpha: a tokenizer for everything"
    assert info.published_at == datetime(2026, 2, 18, 9, 30, 12, 345000, tzinfo=UTC)
    assert info.submitted_at == datetime(2026, 2, 20, tzinfo=UTC)
    assert info.submitted_by is not None and info.submitted_by.username == "hf_person"
    assert info.organization is not None and info.organization.name == "acme"
    assert info.upvotes == 7 and info.github_stars == 42

    text = api.read_paper(keys["alpha"])
    assert text.startswith("# Alpha: a tokenizer for everything\n")
    assert "Ada Lovelace, Alan Turing" in text


def test_errors_reach_the_client(api: HfApi, keys: dict[str, str]) -> None:
    with pytest.raises(HfHubHTTPError) as missing:
        api.paper_info("2699.99999")
    assert missing.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError) as unread:
        api.read_paper("2699.99999")
    assert unread.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError) as bad:
        list(api.list_daily_papers(date="2026-02-30"))
    assert bad.value.response.status_code == 400
    assert "not a valid day" in str(bad.value)
