"""New author rows committed ahead of a PostgreSQL batch (`ingest.authors_ahead`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.authors_ahead import AuthorsAhead
from dailypapers.ingest.pipeline import load_committed
from dailypapers.ingest.records import PaperRecord
from dailypapers.ingest.snapshot import SnapshotReader
from dailypapers.papers.models import Author, Paper


class _Boom(Exception):
    pass


def _counts(engine: Engine) -> tuple[int, int]:
    with unit_of_work(engine) as session:
        papers = session.scalar(select(func.count()).select_from(Paper)) or 0
        authors = session.scalar(select(func.count()).select_from(Author)) or 0
    return papers, authors


def _fail(_session: Session) -> None:
    raise _Boom


def test_a_failed_batch_leaves_no_author_rows(engine: Engine, shared_data: Path) -> None:
    records = [
        r
        for r in SnapshotReader(shared_data / "arxiv-snapshot-sample-200.jsonl")
        if isinstance(r, PaperRecord)
    ]
    load_committed(engine, records[:50])
    before = _counts(engine)
    with pytest.raises(_Boom):
        load_committed(engine, records[50:], also=_fail)  # fails after writing everything
    assert _counts(engine) == before
    summary = load_committed(engine, records[50:])
    papers, authors = _counts(engine)
    assert (papers, summary.created) == (len(records), len(records) - 50)
    assert authors > before[1]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # SQLite: no rows ahead
def test_forgetting_keeps_the_authors_a_paper_uses(engine: Engine) -> None:
    ahead = AuthorsAhead(engine)
    ids = ahead.insert(["Ada Lovelace", "Nobody Yet"])
    assert set(ids) == {"Ada Lovelace", "Nobody Yet"}
    load_committed(
        engine, [PaperRecord(title="Notes", arxiv_id="1843.00001", authors=["Ada Lovelace"])]
    )
    ahead.forget()
    with unit_of_work(engine) as session:
        names = set(session.scalars(select(Author.name)))
        paper = session.scalars(select(Paper)).one()
        assert names == {"Ada Lovelace"}
        assert paper.author_names == ["Ada Lovelace"]
    assert ahead.created == []
