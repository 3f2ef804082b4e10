"""OAI-PMH harvesting over real sockets: a multi-page replay of arXiv's recorded records."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.http import FetchError, PoliteFetcher
from dailypapers.ingest.oai import (
    OaiError,
    OaiHarvester,
    harvest,
    parse_list_records,
    state_key,
)
from dailypapers.ingest.records import PaperRecord, Rejected
from dailypapers.jobs.models import HarvestState
from dailypapers.papers.models import Paper
from tests.ingest.replay import Answer, Replay, oai_pages, oai_route, ok

START = date(2015, 1, 16)


@pytest.fixture(scope="module")
def oai_dir(shared_data: Path) -> Path:
    return shared_data / "recorded" / "oai-pmh"


@pytest.fixture(scope="module")
def pages(oai_dir: Path) -> list[bytes]:
    """The 46 recorded cs records as 5 pages of 10, chained by resumption tokens."""
    return oai_pages(oai_dir / "sample_arxiv_response_listrecords_cs.xml", per_page=10)


def _harvester(url: str) -> OaiHarvester:
    return OaiHarvester(url, PoliteFetcher(delay=0, retries=2, retry_wait=0.01), daily=True)


def _papers(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(Paper)) or 0


def _state(engine: Engine) -> list[tuple[str, str]]:
    with unit_of_work(engine) as session:
        return [(s.key, s.value) for s in session.scalars(select(HarvestState))]


def test_parses_arxiv_metadata(pages: list[bytes]) -> None:
    page = parse_list_records(pages[0])
    assert page.token == "token-2" and page.complete_size == 46
    records = [r for r in page.items if isinstance(r, PaperRecord)]
    assert len(records) == 10
    first = records[0]
    assert first.arxiv_id == "1101.4388"
    assert first.title == "Reproducing Kernel Banach Spaces with the l1 Norm"
    assert first.authors == ["Guohui Song", "Haizhang Zhang", "Fred J. Hickernell"]
    assert first.categories == ["stat.ML", "cs.LG", "math.FA"]
    assert first.published_at is not None and first.published_at.date() == date(2011, 1, 23)
    assert first.updated_at is not None and first.updated_at.date() == date(2012, 3, 28)
    assert first.doi == "10.1016/j.acha.2012.03.009"
    assert "Heiko Röglin" in records[1].authors  # &#xf6; decoded
    last = parse_list_records(pages[-1])
    assert last.token is None and len(last.items) == 6


def test_harvests_every_page_once(engine: Engine, pages: list[bytes]) -> None:
    with Replay(oai_route(pages)) as server:
        summary = harvest(engine, _harvester(server.url), set_spec="cs", start=START)
    first, *rest = [r.params for r in server.requests]
    assert first == {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "set": "cs",
        "from": "2015-01-16",
    }
    assert [p["resumptionToken"] for p in rest] == ["token-2", "token-3", "token-4", "token-5"]
    assert (summary.created, summary.listed, summary.rejected) == (46, 46, [])
    assert _papers(engine) == 46 and _state(engine) == []


def test_a_failed_harvest_resumes_from_the_stored_token(engine: Engine, pages: list[bytes]) -> None:
    broken = {"on": True}

    def fail_page(number: int) -> Answer | None:
        return (503, b"down", {}) if number == 3 and broken["on"] else None

    with Replay(oai_route(pages, fail_page=fail_page)) as server:
        with pytest.raises(FetchError) as caught:
            harvest(engine, _harvester(server.url), set_spec="cs", start=START)
        assert caught.value.summary is not None and caught.value.summary.created == 20
        assert _papers(engine) == 20
        ((key, value),) = _state(engine)
        assert key == state_key(server.url, "cs", START, None)
        assert json.loads(value) == {"token": "token-3", "next_page": 3}
        broken["on"] = False
        before = len(server.requests)
        summary = harvest(engine, _harvester(server.url), set_spec="cs", start=START)
        resumed = [r.params.get("resumptionToken") for r in server.requests[before:]]
    assert resumed == ["token-3", "token-4", "token-5"]
    assert (summary.created, summary.unchanged) == (26, 0)
    assert _papers(engine) == 46 and _state(engine) == []


def test_no_records_bad_records_and_bad_tokens(engine: Engine, oai_dir: Path) -> None:
    empty = (oai_dir / "sample_empty_response.xml").read_bytes()
    assert parse_list_records(empty).items == []
    body = (oai_dir / "sample_arxiv_response_listrecords_cs.xml").read_bytes()
    without_title = body.replace(
        b"<title>Reproducing Kernel Banach Spaces with the l1 Norm</title>", b"", 1
    )
    page = parse_list_records(without_title)
    (rejected,) = [i for i in page.items if isinstance(i, Rejected)]
    assert str(rejected) == "page 1, record oai:arXiv.org:1101.4388: missing title"
    assert sum(isinstance(i, PaperRecord) for i in page.items) == 45
    with Replay(lambda params: ok(without_title, "text/xml")) as server:
        summary = harvest(engine, _harvester(server.url), set_spec="cs", start=START)
    assert summary.created == 45 and summary.rejected == [str(rejected)]
    with pytest.raises(OaiError, match=r"badResumptionToken.*--restart"):
        parse_list_records(oai_route([])({"verb": "ListRecords", "resumptionToken": "expired"})[1])
    malformed = ok(b"<OAI-PMH><ListRecords><record>", "text/xml")
    with Replay(lambda params: malformed) as server, pytest.raises(FetchError, match="malformed"):
        harvest(engine, _harvester(server.url), set_spec="cs", start=START)
    assert len(server.requests) == 3  # retried, then given up


def test_a_killed_harvest_command_resumes(db_url: str, tmp_path: Path, pages: list[bytes]) -> None:
    """kill -9 the `import oai` command while it waits for page 3; rerun it; all 46 arrive."""
    reached = threading.Event()
    release = threading.Event()

    def hold_page_3(number: int) -> Answer | None:
        if number == 3 and not release.is_set():
            reached.set()
            release.wait(30)
        return None

    env = os.environ | {
        "DAILYPAPERS_DATABASE_URL": db_url,
        "DAILYPAPERS_DATA_DIR": str(tmp_path),
        "DAILYPAPERS_ARXIV_DELAY_SECONDS": "0",
    }
    command = [sys.executable, "-c", "from dailypapers.cli.main import main; main()"]
    command += ["import", "oai", "--set", "cs", "--from", "2015-01-16", "--json"]
    with Replay(oai_route(pages, fail_page=hold_page_3)) as server:
        env["DAILYPAPERS_ARXIV_OAI_URL"] = server.url
        with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL) as child:
            assert reached.wait(60), "the harvest never asked for page 3"
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        release.set()
        before = len(server.requests)
        rerun = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
        resumed = [r.params.get("resumptionToken") for r in server.requests[before:]]
    assert child.returncode == -signal.SIGKILL
    assert rerun.returncode == 0, rerun.stderr.decode()
    assert resumed == ["token-3", "token-4", "token-5"]
    summary = json.loads(rerun.stdout)
    assert summary["created"] == 26
