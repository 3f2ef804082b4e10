"""PostgreSQL's full-text GIN index, set aside during a big import into a small catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from dailypapers.cli.main import app
from dailypapers.ingest.records import PaperRecord, Rejected, SourceError
from dailypapers.ingest.run import Source, run_source
from dailypapers.ingest.snapshot import SnapshotReader
from dailypapers.search import fulltext_bulk
from dailypapers.search.fulltext_bulk import GIN_INDEX, ensure_gin_index

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

_DEFINITION = "CREATE INDEX ix_paper_search_document ON public.paper_search USING gin (document)"


def _index(engine: Engine) -> tuple[str, bool] | None:
    """The index's definition and whether it is valid, or None when it is missing."""
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index i "
                "WHERE i.indexrelid = to_regclass(:name)"
            ),
            {"name": GIN_INDEX},
        ).one_or_none()
    return None if row is None else (row[0], row[1])


def _watched(
    engine: Engine, path: Path, seen: list[tuple[str, bool] | None], *, fail: bool = False
) -> Iterator[PaperRecord | Rejected]:
    """The sample's records; after 150, note the index as another session sees it."""
    for number, item in enumerate(SnapshotReader(path), start=1):
        if number == 150:
            seen.append(_index(engine))
            if fail:
                raise SourceError("the feed broke off")
        yield item


def _matches(engine: Engine, word: str) -> tuple[int, int]:
    """Papers whose document holds `word`: by the GIN index, and by reading the table."""
    query = "SELECT count(*) FROM paper_search WHERE document @@ to_tsquery('english', :w)"
    counts = []
    for scan in ("off", "on"):
        with engine.connect() as connection:
            connection.execute(text(f"SET LOCAL enable_seqscan = {scan}"))
            connection.execute(
                text(f"SET LOCAL enable_indexscan = {'on' if scan == 'off' else 'off'}")
            )
            connection.execute(
                text(f"SET LOCAL enable_bitmapscan = {'on' if scan == 'off' else 'off'}")
            )
            plan = "\n".join(connection.scalars(text(f"EXPLAIN {query}"), {"w": word}))
            assert (GIN_INDEX in plan) == (scan == "off"), plan
            counts.append(connection.scalar(text(query), {"w": word}) or 0)
    return counts[0], counts[1]


def test_a_big_import_into_an_empty_site_builds_the_index_once_at_its_end(
    engine: Engine, shared_data: Path
) -> None:
    seen: list[tuple[str, bool] | None] = []
    sample = shared_data / "arxiv-snapshot-sample-200.jsonl"
    summary = run_source(engine, Source(_watched(engine, sample, seen), big=True))
    assert summary.created > 150
    assert seen == [None]  # set aside while the batches were written
    assert _index(engine) == (_DEFINITION, True)
    by_index, by_table = _matches(engine, "quantum")
    assert by_index == by_table > 10


def test_a_failed_big_import_still_leaves_the_index_built(
    engine: Engine, shared_data: Path
) -> None:
    seen: list[tuple[str, bool] | None] = []
    sample = shared_data / "arxiv-snapshot-sample-200.jsonl"
    with pytest.raises(SourceError, match="broke off"):
        run_source(engine, Source(_watched(engine, sample, seen, fail=True), big=True))
    assert seen == [None]
    assert _index(engine) == (_DEFINITION, True)
    by_index, by_table = _matches(engine, "model")
    assert by_index == by_table > 10


@pytest.mark.parametrize(("big", "catalogue_limit"), [(False, 10_000), (True, 0)])
def test_small_imports_and_big_catalogues_keep_the_index(
    engine: Engine,
    shared_data: Path,
    monkeypatch: pytest.MonkeyPatch,
    big: bool,
    catalogue_limit: int,
) -> None:
    monkeypatch.setattr(fulltext_bulk, "SET_ASIDE_BELOW", catalogue_limit)
    seen: list[tuple[str, bool] | None] = []
    sample = shared_data / "arxiv-snapshot-sample-200.jsonl"
    run_source(engine, Source(_watched(engine, sample, seen), big=big))
    assert seen == [(_DEFINITION, True)]
    assert _index(engine) == (_DEFINITION, True)


def test_a_missing_index_is_built_again_by_the_next_import_or_by_ensure(
    engine: Engine, shared_data: Path
) -> None:
    """What a killed import leaves: the index dropped, never built again."""
    with engine.begin() as connection:
        connection.execute(text(f"DROP INDEX {GIN_INDEX}"))
    run_source(engine, Source(SnapshotReader(shared_data / "arxiv-snapshot-sample-200.jsonl")))
    assert _index(engine) == (_DEFINITION, True)
    assert ensure_gin_index(engine) is False  # present: nothing to do
    with engine.begin() as connection:
        connection.execute(text(f"DROP INDEX {GIN_INDEX}"))
    assert ensure_gin_index(engine) is True
    assert _index(engine) == (_DEFINITION, True)


def test_db_upgrade_builds_a_missing_index(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", db_url)
    monkeypatch.setenv("DAILYPAPERS_DATA_DIR", str(tmp_path))
    with engine.begin() as connection:
        connection.execute(text(f"DROP INDEX {GIN_INDEX}"))
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "full-text index rebuilt" in result.output
    assert _index(engine) == (_DEFINITION, True)
    again = CliRunner().invoke(app, ["db", "upgrade"])
    assert "full-text index" not in again.output
