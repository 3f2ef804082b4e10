"""Bulk loads index full text set-wise at the end of each batch, with the triggers off.

The index they leave must be the one the triggers (or a rebuild) would give, the triggers
must be back on afterwards, also after a failed batch, and author names must be found on
both backends.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from dailypapers.db.engine import unit_of_work
from dailypapers.ingest.pipeline import import_records
from dailypapers.ingest.records import PaperRecord
from dailypapers.ingest.snapshot import SnapshotFilter, SnapshotReader
from dailypapers.search.backends import backend_for
from dailypapers.search.deferral import deferred_fulltext
from dailypapers.search.service import search_papers
from tests.factories import make_paper


def _index_rows(session: Session) -> list[tuple[object, ...]]:
    if session.get_bind().dialect.name == "postgresql":
        query = "SELECT paper_id, document::text FROM paper_search ORDER BY paper_id"
    else:
        query = "SELECT rowid, title, abstract, authors FROM papers_fts ORDER BY rowid"
    return [tuple(row) for row in session.execute(text(query))]


def _records(shared_data: Path) -> list[PaperRecord]:
    reader = SnapshotReader(shared_data / "arxiv-snapshot-sample-200.jsonl", SnapshotFilter())
    records = [r for r in reader if isinstance(r, PaperRecord)][:80]
    first, second = records[0], records[1]
    return [
        *records,
        # Changed papers: a new title and new authors, found again in a later batch.
        dataclasses.replace(
            first, arxiv_version=9, title="Renamed paper", authors=["Someone Else"]
        ),
        dataclasses.replace(second, arxiv_version=9, abstract="A brand new abstract."),
    ]


@pytest.mark.parametrize("writers", [1, 2])
def test_bulk_loading_leaves_the_index_a_rebuild_gives(
    engine: Engine, shared_data: Path, writers: int
) -> None:
    summary = import_records(engine, _records(shared_data), batch_size=25, writers=writers)
    assert (summary.created, summary.updated) == (80, 2)
    with unit_of_work(engine) as session:
        loaded = _index_rows(session)
        assert len(loaded) == 80
        backend_for(session).fulltext.rebuild(session)
    with unit_of_work(engine) as session:
        assert _index_rows(session) == loaded
        hits = search_papers(session, query="Renamed paper", mode="keyword", highlight=False)
        assert hits.hits and hits.hits[0].card.title == "Renamed paper"
        by_author = search_papers(session, query="Someone Else", mode="keyword", highlight=False)
        assert [h.card.title for h in by_author.hits][:1] == ["Renamed paper"]


def test_the_triggers_index_again_after_a_bulk_batch(engine: Engine, shared_data: Path) -> None:
    import_records(engine, _records(shared_data)[:30], batch_size=10)
    with unit_of_work(engine) as session:
        make_paper(session, title="Written through the ORM afterwards")
    with unit_of_work(engine) as session:
        hits = search_papers(session, query="afterwards ORM", mode="keyword", highlight=False)
        assert [h.card.title for h in hits.hits] == ["Written through the ORM afterwards"]


def _fail_a_batch(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        with deferred_fulltext(connection):
            raise RuntimeError("the batch failed")


def test_a_failed_batch_turns_the_triggers_back_on(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="the batch failed"):
        _fail_a_batch(engine)
    with unit_of_work(engine) as session:
        make_paper(session, title="Indexed by its trigger")
    with unit_of_work(engine) as session:
        hits = search_papers(session, query="trigger indexed", mode="keyword", highlight=False)
        assert [h.card.title for h in hits.hits] == ["Indexed by its trigger"]


@pytest.mark.parametrize("query", ["Nadolsky", "nadolsky", "Pavel Nadolsky"])
def test_an_author_is_found_by_name(session: Session, query: str) -> None:
    """Names are stemmed like the query on both backends (PostgreSQL once kept them as is)."""
    make_paper(session, title="Parton distributions", authors=["Pavel M. Nadolsky", "C.-P. Yuan"])
    make_paper(session, title="Unrelated work", authors=["Someone Else"])
    session.flush()
    hits = search_papers(session, query=query, mode="keyword", highlight=False)
    assert [h.card.title for h in hits.hits] == ["Parton distributions"]
