"""The tantivy keyword index follows the change log on both backends.

PostgreSQL commits transactions out of the order of their ids: the index replays the log up
to the oldest transaction still running (xmin), never past a change that could still appear.
A session that sees a change the index lacks gets the database's own full text instead.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from dailypapers.db import migrate
from dailypapers.db.backup import backup, restore
from dailypapers.db.engine import make_engine, session_factory, unit_of_work
from dailypapers.papers.models import Paper
from dailypapers.search import keyword_index
from dailypapers.search.backends import backend_for
from dailypapers.search.fulltext_postgres import PostgresFullText
from dailypapers.search.keyword_index import KeywordIndex
from dailypapers.search.keyword_logs import PostgresChangeLog
from dailypapers.search.service import search_papers
from dailypapers.search.text import parse_query
from tests.factories import make_paper

on_postgresql = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def _found(index: KeywordIndex, query: str) -> set[int]:
    state = index.current()
    assert state is not None
    return {s.paper_id for s in index.ranked(state[0], parse_query(query), 50)}


def _xid(session: Session) -> int:
    return int(session.scalar(text("SELECT pg_current_xact_id()::text")) or 0)


@on_postgresql
def test_a_change_committed_out_of_order_is_not_skipped(engine: Engine, tmp_path: Path) -> None:
    """A takes the lower transaction id, B commits first: a sync in between replays neither
    (B's sessions fall back meanwhile); after A commits, the index holds both."""
    index = KeywordIndex(tmp_path / "keywords", PostgresChangeLog())
    index.rebuild(engine)
    with Session(engine) as a, Session(engine) as b:
        first = make_paper(a, title="Albatross flight", abstract="Seabirds.").id
        second = make_paper(b, title="Booby flight", abstract="Seabirds.").id
        xid_a, xid_b = _xid(a), _xid(b)
        assert xid_a < xid_b
        b.commit()
        assert index.catch_up(engine) == 0  # B is above xmin while A runs
        assert index.current()[1].seq <= xid_a  # type: ignore[index]
        assert _found(index, "flight") == set()
        with Session(engine) as reader:
            assert index.ready_for(reader) is None  # it sees B's paper, the index lacks it
            fallback = PostgresFullText(index).search(reader, query=parse_query("flight"), limit=10)
            assert fallback == [second]
        a.commit()
    assert index.catch_up(engine) == 2
    assert _found(index, "flight") == {first, second}
    with Session(engine) as reader:
        assert index.ready_for(reader) is not None


def test_a_paper_changed_in_an_open_transaction_is_found_by_that_session(engine: Engine) -> None:
    """The transaction that changed a paper ranks by the database's full text (the index
    holds committed state only); another session meanwhile is answered by the index."""
    with unit_of_work(engine) as session:
        pid = make_paper(session, title="Pangolin scales", abstract="Keratin armour.").id
        fulltext = backend_for(session).fulltext
    fulltext.sync(engine)
    keyword = fulltext.keyword  # type: ignore[attr-defined]
    with session_factory(engine)() as session:
        paper = session.get(Paper, pid)
        assert paper is not None
        paper.title = "Echidna spines"
        session.flush()
        assert keyword.ready_for(session) is None
        assert _found(keyword, "echidna") == set()  # so what follows comes from the fallback
        found = search_papers(session, query="echidna", mode="keyword", highlight=False)
        assert [hit.paper_id for hit in found.hits] == [pid]
        assert search_papers(session, query="pangolin", mode="keyword").hits == []
        with session_factory(engine)() as other:
            assert keyword.ready_for(other) is not None
            hits = search_papers(other, query="pangolin", mode="keyword", highlight=False).hits
            assert [hit.paper_id for hit in hits] == [pid]
        session.rollback()


@on_postgresql
def test_a_node_behind_the_pruned_log_rebuilds(engine: Engine, tmp_path: Path) -> None:
    """Log rows older than the retention are pruned and the horizon moves past them; a node
    whose mark is below it builds afresh instead of replaying a log with holes."""
    behind = KeywordIndex(tmp_path / "behind", PostgresChangeLog())
    current = KeywordIndex(tmp_path / "current", PostgresChangeLog())
    behind.rebuild(engine)
    with unit_of_work(engine) as session:
        pid = make_paper(session, title="Ocelot tracking", abstract="Camera traps.").id
    current.catch_up(engine)
    with unit_of_work(engine) as session:
        aged = "UPDATE search_text_changes SET logged_at = now() - interval '8 days'"
        session.execute(text(aged))
        assert current.prune(session) > 0
        assert session.scalar(text("SELECT count(*) FROM search_text_changes")) == 0
    generation = behind.current()[1].generation  # type: ignore[index]
    assert behind.catch_up(engine) == 1  # one paper in the database: built, not replayed
    assert behind.current()[1].generation != generation  # type: ignore[index]
    assert _found(behind, "ocelot") == {pid}
    with Session(engine) as reader:
        assert current.ready_for(reader) is not None  # it replayed the row before the prune


@on_postgresql
def test_a_restored_database_makes_each_node_rebuild(engine: Engine, tmp_path: Path) -> None:
    """The restored log cannot say what the restore changed: the index is built again."""
    index = KeywordIndex(tmp_path / "keywords", PostgresChangeLog())
    with unit_of_work(engine) as session:
        kept = make_paper(session, title="Quoll dens").id
    backup(engine, tmp_path / "site.backup")
    with unit_of_work(engine) as session:
        make_paper(session, title="Quoll diet")
    index.catch_up(engine)
    assert len(_found(index, "quoll")) == 2
    restore(engine, tmp_path / "site.backup")
    with Session(engine) as reader:
        assert index.ready_for(reader) is not None  # rebuilt within the request
    assert _found(index, "quoll") == {kept}


@on_postgresql
def test_a_backlog_too_big_for_a_request_is_replayed_in_the_background(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyword_index, "IN_REQUEST_LAG", 2)
    index = KeywordIndex(tmp_path / "keywords", PostgresChangeLog(), background=True)
    index.rebuild(engine)
    with unit_of_work(engine) as session:
        ids = {make_paper(session, title=f"Marmot burrow {n}").id for n in range(5)}
    replayed = threading.Event()
    catch_up = index.catch_up

    def observed(engine: Engine, **options: object) -> int:
        done = catch_up(engine, **options)  # type: ignore[arg-type]
        if not options:  # the background thread's call: no limit
            replayed.set()
        return done

    monkeypatch.setattr(index, "catch_up", observed)
    with Session(engine) as reader:
        assert index.ready_for(reader) is None  # five papers wait, a request replays two
        assert replayed.wait(60)
        assert index.ready_for(reader) is not None
    assert _found(index, "marmot") == ids


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_the_postgres_log_migration_goes_down_and_up(empty_db_url: str, backend: str) -> None:
    """0012 adds PostgreSQL's log and takes it away; SQLite keeps 0008's log throughout."""
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "0011_thumbnails")
    tables = set(inspect(engine).get_table_names())
    assert ("search_text_changes" in tables) == (backend == "sqlite")
    assert "search_text_horizon" not in tables
    with unit_of_work(engine) as session:  # no trigger is left pointing at a dropped table
        make_paper(session, title="Tapir")
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        pid = make_paper(session, title="Tapir calves").id
        logged = session.scalar(
            text("SELECT count(*) FROM search_text_changes WHERE paper_id = :p"), {"p": pid}
        )
        assert logged >= 1
    engine.dispose()


@on_postgresql
def test_the_index_folder_is_under_the_data_dir_the_engine_was_made_for(
    engine: Engine, tmp_path: Path
) -> None:
    """An app or command built with its own Settings keeps its index in its DATA_DIR, not in
    the one of the process's environment."""
    mine = tmp_path / "node-data"
    with unit_of_work(engine) as session:
        make_paper(session, title="Kestrel hovering", abstract="Falcons.")
    node = make_engine(engine.url.render_as_string(hide_password=False), data_dir=mine)
    try:
        with session_factory(node)() as session:
            index = backend_for(session).fulltext.keyword  # type: ignore[attr-defined]
            assert Path(index.folder).is_relative_to(mine / "keywords")
            index.rebuild(node)
            assert _found(index, "kestrel")
    finally:
        node.dispose()


def test_a_database_made_anew_at_the_same_path_gets_its_own_index(tmp_path: Path) -> None:
    """SQLite: the file deleted and created again keeps its `.keywords` folder beside it; the
    folder's mark is then above the new log's last seq, which never happens to one file."""
    path = tmp_path / "site.db"

    def fresh(titles: list[str]) -> Engine:
        for leftover in tmp_path.glob("site.db*"):
            if leftover.is_file():
                leftover.unlink()
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        with unit_of_work(engine) as session:
            for title in titles:
                make_paper(session, title=title)
        return engine

    def titles(engine: Engine, query: str) -> list[str]:
        with unit_of_work(engine) as session:
            found = search_papers(session, query=query, mode="keyword")
            return [hit.card.title for hit in found.hits]

    old = fresh(["Wombat burrows", "Wombat diet", "Wombat teeth"])
    assert len(titles(old, "wombat")) == 3  # the index is built for the first file
    assert (tmp_path / "site.db.keywords" / "current.json").exists()
    old.dispose()
    new = fresh(["Quoll dens"])
    assert titles(new, "wombat") == []
    assert titles(new, "quoll") == ["Quoll dens"]
    with Session(new) as reader:
        assert backend_for(reader).fulltext.keyword.ready_for(reader) is not None  # type: ignore[attr-defined]
