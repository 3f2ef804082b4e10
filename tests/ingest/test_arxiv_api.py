"""The arXiv API client over real sockets, replaying arXiv's recorded answers."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from dailypapers.cli.main import app
from dailypapers.ingest.arxiv_api import ArxivClient, ArxivQuery
from dailypapers.ingest.http import FetchError, PoliteFetcher
from dailypapers.ingest.records import PaperRecord
from tests.ingest.replay import Answer, Replay, ok

Key = tuple[str, str, str, str]


@pytest.fixture(scope="module")
def recorded(shared_data: Path) -> dict[Key, Answer]:
    """(search_query, id_list, start, max_results) -> the recorded answer."""
    answers = {}
    for path in (shared_data / "recorded" / "arxiv-api").glob("*.json"):
        saved = json.loads(path.read_text())
        url = saved["url"]
        params = dict(re.findall(r"[?&]([^=&]+)=([^&]*)", url))
        key = (
            params["search_query"],
            params["id_list"].replace("%2C", ",").replace("%2F", "/"),
            params["start"],
            params["max_results"],
        )
        answers[key] = (saved["status_code"], saved["body"].encode(), {})
    return answers


def _route(recorded: dict[Key, Answer], *, search: str | None = None):  # type: ignore[no-untyped-def]
    """Answer like arXiv did; `search` replaces any search_query (a category query)."""

    def route(params: dict[str, str]) -> Answer:
        query = search if search is not None and params["search_query"] else params["search_query"]
        key = (query, params["id_list"], params["start"], params["max_results"])
        return recorded.get(key, (404, b"not recorded", {}))

    return route


def _client(url: str, *, delay: float = 0.0, page_size: int = 10, retries: int = 3) -> ArxivClient:
    fetcher = PoliteFetcher(delay=delay, retries=retries, retry_wait=0.01)
    return ArxivClient(url, fetcher, page_size=page_size)


def test_pages_through_a_query_and_stops_at_the_limit(recorded: dict[Key, Answer]) -> None:
    with Replay(_route(recorded)) as server:
        items = list(_client(server.url).records(ArxivQuery.search("testing"), limit=30))
    assert [r.params["start"] for r in server.requests] == ["0", "10", "20"]
    assert all(r.params["max_results"] == "10" for r in server.requests)
    records = [i for i in items if isinstance(i, PaperRecord)]
    assert len(records) == 30 and len({r.arxiv_id for r in records}) == 30
    first = records[0]
    assert first.arxiv_id == "2202.12139" and first.arxiv_version == 1
    assert first.title.startswith("Testing Deep Learning Models")
    assert first.authors[:2] == ["Mohit Kumar Ahuja", "Arnaud Gotlieb"]
    assert first.categories == ["cs.SE", "cs.LG"] and first.primary_category == "cs.SE"
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.published_at is not None and first.published_at.year == 2022


def test_ids_and_an_empty_answer(recorded: dict[Key, Answer]) -> None:
    with Replay(_route(recorded)) as server:
        client = _client(server.url, page_size=100)
        found = list(client.records(ArxivQuery.ids(["astro-ph/0601001"])))
        none = list(client.records(ArxivQuery.ids(["0000.0000"])))
    assert none == [] and len(server.requests) == 2
    (paper,) = found
    assert isinstance(paper, PaperRecord) and paper.arxiv_id == "astro-ph/0601001"


def test_a_refused_query_is_a_clear_error(recorded: dict[Key, Answer]) -> None:
    with Replay(_route(recorded)) as server, pytest.raises(FetchError) as caught:
        list(_client(server.url, page_size=100).records(ArxivQuery.ids(["abc"])))
    assert "HTTP 400" in str(caught.value) and "incorrect id format for abc" in str(caught.value)
    assert len(server.requests) == 1  # a 400 is not retried


def test_retries_429_5xx_and_empty_pages(recorded: dict[Key, Answer]) -> None:
    real = _route(recorded)
    page = recorded[("testing", "", "0", "10")][1]
    empty = re.sub(rb"<entry>.*</entry>", b"", page, flags=re.DOTALL)  # totalResults kept
    failures = iter(
        [(429, b"slow down", {"Retry-After": "0"}), (503, b"busy", {}), ok(empty), ok(b"<feed")]
    )

    def route(params: dict[str, str]) -> Answer:
        return next(failures, None) or real(params)

    with Replay(route) as server:
        client = _client(server.url, retries=4)
        items = list(client.records(ArxivQuery.search("testing"), limit=10))
    assert len(server.requests) == 5 and len(items) == 10


def test_gives_up_after_the_retries(recorded: dict[Key, Answer]) -> None:
    with Replay(lambda params: (503, b"down", {})) as server, pytest.raises(FetchError) as caught:
        list(_client(server.url).records(ArxivQuery.search("testing")))
    assert len(server.requests) == 4 and "HTTP 503" in str(caught.value)


def test_waits_the_delay_between_requests(recorded: dict[Key, Answer]) -> None:
    """Over real sockets the three pages take at least two delays in all.

    Arrival times at the server are not compared: under load the first request can reach
    the server late and the second on time, so their gap says nothing about the client.
    """
    with Replay(_route(recorded)) as server:
        started = time.monotonic()
        list(_client(server.url, delay=0.25).records(ArxivQuery.search("testing"), limit=30))
        elapsed = time.monotonic() - started
    assert len(server.requests) == 3
    assert elapsed >= 0.5


def test_starts_requests_a_delay_apart() -> None:
    """The pause is measured from the previous request's start, on the fetcher's own clock."""
    now = [100.0]
    starts: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    def answer(request: httpx.Request) -> httpx.Response:
        starts.append(now[0])
        now[0] += 0.1  # the request itself takes a tenth of a second
        return httpx.Response(200, text="ok")

    fetcher = PoliteFetcher(
        delay=3.0,
        sleep=sleep,
        clock=lambda: now[0],
        client=httpx.Client(transport=httpx.MockTransport(answer)),
    )
    for _ in range(3):
        fetcher.get("http://arxiv.invalid/api", {}, accept=lambda response: True)
    assert starts == [100.0, 103.0, 106.0]


def test_import_arxiv_command(
    recorded: dict[Key, Answer], db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    with Replay(_route(recorded, search="testing")) as server:
        monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", db_url)
        monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("DAILYPAPERS_ARXIV_API_URL", server.url)
        monkeypatch.setenv("DAILYPAPERS_ARXIV_DELAY_SECONDS", "0")
        started = time.monotonic()
        args = ["import", "arxiv", "--category", "cs.SE", "--from", "2022-02-01"]
        args += ["--until", "2022-02-28", "--max", "20", "--page-size", "10", "--daily", "--json"]
        result = runner.invoke(app, args)
        again = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 20
    query = server.requests[0].params["search_query"]
    assert query == "cat:cs.SE AND submittedDate:[202202010000 TO 202202282359]"
    summary = json.loads(result.stdout)
    assert (summary["created"], summary["listed"], summary["rejected"]) == (20, 20, [])
    assert json.loads(again.stdout)["unchanged"] == 20
    bad = runner.invoke(app, ["import", "arxiv", "--ids", "x", "--query", "y"])
    assert bad.exit_code == 2 and "exactly one of" in bad.output
