"""Reading arXiv's bulk snapshot: the real first 200 lines, filters, and broken files."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dailypapers.ingest.records import PaperRecord, Rejected
from dailypapers.ingest.snapshot import SnapshotFilter, SnapshotFormatError, SnapshotReader


@pytest.fixture(scope="module")
def sample(shared_data: Path) -> Path:
    return shared_data / "arxiv-snapshot-sample-200.jsonl"


def _records(path: Path, selection: SnapshotFilter | None = None) -> list[PaperRecord]:
    items = list(SnapshotReader(path, selection or SnapshotFilter()))
    assert all(isinstance(item, PaperRecord) for item in items), items
    return items  # type: ignore[return-value]


def test_the_real_sample_reads_completely_and_normalized(sample: Path) -> None:
    records = _records(sample)
    assert len(records) == 200
    assert len({r.arxiv_id for r in records}) == 200
    first = records[0]
    assert first.arxiv_id == "0704.0001"
    # Hard line wraps joined; the newest version wins; the first version's date is published.
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert first.arxiv_version == 2
    assert first.published_at == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert first.updated_at == datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)
    # LaTeX accents decoded, arXiv's split initials rejoined: one spelling per author.
    assert first.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert first.categories == ["hep-ph"] and first.primary_category == "hep-ph"
    assert first.journal_ref == "Phys.Rev.D76:013009,2007"
    assert first.doi == "10.1103/PhysRevD.76.013009"
    assert "\n" not in first.abstract and "  " not in first.abstract
    by_id = {r.arxiv_id: r for r in records}
    assert by_id["0704.0005"].title == "From dyadic Λ_α to Λ_α"  # $...$ math kept readable
    assert "$" not in by_id["0704.0005"].abstract and "α≥ 0" in by_id["0704.0005"].abstract
    assert by_id["0704.0174"].title.startswith("Reparametrization Invariance")
    assert "α from B→ππ" in by_id["0704.0174"].title
    assert by_id["0704.0024"].project_url == "http://www.physik.uni-kl.de/w_hilleb/ann05.html"
    assert not any("\\" in r.title or "$" in r.title for r in records)


def test_daily_lists_each_paper_on_its_first_day(sample: Path) -> None:
    records = _records(sample, SnapshotFilter(daily=True))
    assert records[0].listed_on == date(2007, 4, 2)
    assert all(r.listed_on == r.published_at.date() for r in records if r.published_at)
    assert all(r.listed_on is None for r in _records(sample))


def test_filters_by_category_and_date(sample: Path) -> None:
    reader = SnapshotReader(sample, SnapshotFilter(categories=frozenset({"cs.CG", "hep-ph"})))
    kept = list(reader)
    assert kept and all(
        isinstance(r, PaperRecord) and {"cs.CG", "hep-ph"} & set(r.categories) for r in kept
    )
    assert reader.skipped == 200 - len(kept) and reader.skipped > 150
    since = SnapshotReader(sample, SnapshotFilter(since=date(2009, 1, 1)))
    recent = list(since)
    assert recent and since.skipped
    assert all(isinstance(r, PaperRecord) and r.updated_at.year >= 2009 for r in recent)  # type: ignore[union-attr]


def test_gzip_is_read_like_plain(sample: Path, tmp_path: Path) -> None:
    packed = tmp_path / "sample.jsonl.gz"
    packed.write_bytes(gzip.compress(sample.read_bytes()))
    assert [r.arxiv_id for r in _records(packed)] == [r.arxiv_id for r in _records(sample)]


def test_bad_lines_are_named_and_the_rest_read(sample: Path, tmp_path: Path) -> None:
    lines = sample.read_text().splitlines()
    lines[9] = lines[9][:40]  # cut in the middle: invalid JSON on line 10
    no_title = json.loads(lines[19])
    del no_title["title"]
    lines[19] = json.dumps(no_title)  # line 20: missing title
    lines[29] = "[1, 2]"  # line 30: not an object
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(lines) + "\n")
    items = list(SnapshotReader(broken))
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert [str(r).split(":")[0] for r in rejected] == [
        "line 10",
        "line 20 (record 0704.0020)",
        "line 30",
    ]
    assert "invalid JSON" in rejected[0].reason and "missing title" in rejected[1].reason
    assert sum(isinstance(i, PaperRecord) for i in items) == 197


def test_a_file_that_is_not_json_lines_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("".join(f"just some text, line {n}\n" for n in range(20)))
    with pytest.raises(SnapshotFormatError, match="not an arXiv snapshot"):
        list(SnapshotReader(text))
    one_line = tmp_path / "one.json"
    one_line.write_text('{"a": [1, 2,\n')
    with pytest.raises(SnapshotFormatError, match="line 1"):
        list(SnapshotReader(one_line))


def test_a_truncated_gzip_is_a_clear_error_after_the_good_lines(
    sample: Path, tmp_path: Path
) -> None:
    packed = gzip.compress(sample.read_bytes())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    reader = SnapshotReader(cut)
    read: list[object] = []
    with pytest.raises(SnapshotFormatError, match="truncated or damaged gzip") as caught:
        read.extend(reader)
    assert 0 < len(read) < 200
    assert f"after line {reader.lines}" in str(caught.value)


# A big file is parsed by a child process (`snapshot_child`): the same items, the same
# errors, the same progress; `child_from=0` sends any file there.


def test_a_child_process_reads_what_this_process_reads(sample: Path, tmp_path: Path) -> None:
    lines = sample.read_text().splitlines()
    lines[9] = lines[9][:40]  # a bad line travels as a Rejected
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join(lines) + "\n")
    here = SnapshotReader(mixed, SnapshotFilter(categories=frozenset({"hep-ph"})))
    child = SnapshotReader(mixed, SnapshotFilter(categories=frozenset({"hep-ph"})), child_from=0)
    expected = list(here)
    assert list(child) == expected
    assert any(isinstance(i, Rejected) for i in expected)
    assert (child.position, child.lines, child.skipped) == (here.position, here.lines, here.skipped)
    assert child.skipped > 0


def test_a_childs_error_is_raised_here_after_the_good_lines(sample: Path, tmp_path: Path) -> None:
    packed = gzip.compress(sample.read_bytes())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    reader = SnapshotReader(cut, child_from=0)
    read: list[object] = []
    with pytest.raises(SnapshotFormatError, match="truncated or damaged gzip") as caught:
        read.extend(reader)
    assert 0 < len(read) < 200
    here: list[object] = []
    with pytest.raises(SnapshotFormatError):
        here.extend(SnapshotReader(cut).items_here())
    assert read == here
    assert f"after line {reader.lines}" in str(caught.value)


def test_stopping_early_ends_the_child(sample: Path, tmp_path: Path) -> None:
    import subprocess

    started: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def noted(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        process = real(*args, **kwargs)  # type: ignore[call-overload]
        started.append(process)
        return process  # type: ignore[no-any-return]

    big = tmp_path / "big.jsonl"
    big.write_text(sample.read_text() * 50)  # 10,000 lines: more than the pipe holds
    items = iter(SnapshotReader(big, child_from=0))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess, "Popen", noted)
        first = next(items)
    assert isinstance(first, PaperRecord)
    items.close()  # type: ignore[attr-defined]
    assert len(started) == 1 and started[0].poll() is not None
