"""Exact BM25 top-k on both backends: a tantivy index in a folder of the machine that searches.

tantivy (the Rust engine behind Quickwit) finds the best k matches of a query with
Block-Max WAND: the same top k as scoring every match, without scoring them all.

The index is derived from the catalogue, like the vector index. Triggers (migrations
0008_search_text_log on SQLite, 0012_postgres_search_text_log on PostgreSQL) list every paper
whose title, abstract, authors or visibility changed in `search_text_changes`. The folder
holds generations of the index and `current.json`, which names the live generation and how
far it replayed the log (`seq`, the mark: `keyword_logs` says what it means per backend).
Whoever finds the index behind - a search, the embedding job, an import - replays the
committed changes under a file lock (one writer at a time, any number of processes) and
rewrites `current.json`; readers see the new mark and reopen. A rebuild writes a new
generation and swaps it in. SQLite keeps the folder beside its file (`<file>.keywords/`);
on PostgreSQL each node keeps its own under `DATA_DIR/keywords/`, and a search that finds a
backlog too big to replay in the request replays it in a background thread.

The index answers a search only when it holds every change the searching session can see.
Inside a transaction that changed papers, or while a big backlog waits, keyword search falls
back to the database's own full text (SQLite's FTS5 scored exactly; PostgreSQL's tsvector
ranking within its budget).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import tantivy
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from dailypapers.search.fulltext import Scored, every_then_any
from dailypapers.search.keyword_logs import ChangeLog, PostgresChangeLog, SqliteChangeLog
from dailypapers.search.keyword_query import (
    analyzer,
    boolean,
    field_query,
    field_terms,
    schema,
)
from dailypapers.search.text import ParsedQuery

log = logging.getLogger(__name__)
IN_REQUEST_LAG = 2_000  # the most changed papers a search replays itself
WRITER_HEAP = 128_000_000
LEFT = -1  # catch_up: more changes wait than the caller allows (left for a job or a thread)
BUSY = -2  # catch_up: another writer holds the index and the caller would not wait
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Meta:
    generation: str
    seq: int  # the mark: how far the generation replayed the change log


class KeywordIndex:
    """The tantivy index of one database in one folder, shared by the threads of a process.
    `changes` is the backend's part; with `background`, a search that finds more changes
    waiting than it may replay starts a thread that replays them (PostgreSQL's web nodes:
    no job runs beside them)."""

    def __init__(self, folder: Path, changes: ChangeLog, *, background: bool = False) -> None:
        self.folder = folder
        self.changes = changes
        self.background = background
        self._index: tantivy.Index | None = None
        self._meta: Meta | None = None
        self._lock = threading.RLock()  # the open generation, for readers
        self._writer = threading.Lock()  # one writer per process (the file lock: per machine)
        self._replaying = threading.Lock()  # held by the background thread while it runs

    # ------------------------------------------------------------------ reading

    def _read_meta(self) -> Meta | None:
        try:
            raw = json.loads((self.folder / "current.json").read_text())
            return Meta(str(raw["generation"]), int(raw["seq"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _open(self, generation: str) -> tantivy.Index:
        index = tantivy.Index(schema(), path=str(self.folder / generation), reuse=True)
        index.register_tokenizer("en_folded", analyzer())
        return index

    def current(self) -> tuple[tantivy.Index, Meta] | None:
        """The live generation, reloaded when another process committed to it; None when
        there is none (or it vanished under a concurrent rebuild: the caller falls back)."""
        for _ in range(2):
            meta = self._read_meta()
            if meta is None:
                return None
            try:
                return self._current(meta)
            except (OSError, ValueError) as exc:
                log.warning("keyword index %s: %s", self.folder, exc)
        return None

    def _current(self, meta: Meta) -> tuple[tantivy.Index, Meta]:
        with self._lock:
            if (
                self._index is None
                or self._meta is None
                or self._meta.generation != meta.generation
            ):
                self._index = self._open(meta.generation)
            elif self._meta is not None and meta.seq != self._meta.seq:
                self._index.reload()
            self._meta = meta
            return self._index, meta

    def ready_for(self, session: Session) -> tantivy.Index | None:
        """The index if it holds everything `session` sees (catching up when it can)."""
        state = self.current()
        if state is not None and self.changes.holds_all(session, state[1].seq):
            return state[0]
        self._catch_up_in_request(engine_of(session))
        state = self.current()
        if state is None or not self.changes.holds_all(session, state[1].seq):
            return None
        return state[0]

    def _catch_up_in_request(self, engine: Engine) -> None:
        """Replay a small backlog now; a big one is left to a job (or to a thread). Never
        waits for another writer: the request falls back meanwhile."""
        try:
            replayed = self.catch_up(engine, most=IN_REQUEST_LAG, wait=False)
        except (OSError, ValueError) as exc:  # e.g. a full disk: the full text answers
            log.warning("keyword index %s cannot catch up: %s", self.folder, exc)
            return
        if replayed == LEFT and self.background:
            self._catch_up_in_background(engine)

    def _catch_up_in_background(self, engine: Engine) -> None:
        if not self._replaying.acquire(blocking=False):
            return  # one thread at a time

        def replay() -> None:
            try:
                log.info("keyword index %s: replaying a backlog", self.folder)
                self.catch_up(engine)
            except Exception:  # a thread has no caller: say why, searches fall back
                log.exception("keyword index %s: background catch-up failed", self.folder)
            finally:
                self._replaying.release()

        threading.Thread(target=replay, name="keyword-index catch-up", daemon=True).start()

    def ranked(self, index: tantivy.Index, query: ParsedQuery, limit: int) -> list[Scored]:
        """Papers with every term and phrase first, then with any (a phrase matched counts
        as one more term); BM25 order."""
        return self._ranked(index, query, limit, counted=False)[0]

    def ranked_and_counted(
        self, index: tantivy.Index, query: ParsedQuery, limit: int
    ) -> tuple[list[Scored], int]:
        """`ranked`, and how many papers hold every term and phrase (exactly): the search
        for those counts them on the way, which saves `count` its own search."""
        found, count = self._ranked(index, query, limit, counted=True)
        return found, int(count or 0)

    def _ranked(
        self, index: tantivy.Index, query: ParsedQuery, limit: int, *, counted: bool
    ) -> tuple[list[Scored], int | None]:
        terms = [field_query(index, t) for t in query.terms]
        phrases = [field_query(index, f'"{p}"') for p in query.phrases]
        every = boolean([*terms, *phrases], [])
        found, count = self._search(index, every, limit, every=True, counted=counted)
        if len(found) >= limit or len(terms) + len(phrases) <= 1:
            return found, count
        anyone = boolean([], [*field_terms(index, query.terms), *phrases])
        scored, _ = self._search(index, anyone, limit, every=False)
        return every_then_any(found, scored, limit), count

    def count(self, index: tantivy.Index, query: ParsedQuery) -> int:
        """Papers holding every term and phrase, exactly."""
        terms = [field_query(index, t) for t in (*query.terms, *(f'"{p}"' for p in query.phrases))]
        found = index.searcher().search(boolean(terms, []), 1, count=True)
        return int(found.count)  # type: ignore[attr-defined]  # tantivy's stub omits `count`

    @staticmethod
    def _search(
        index: tantivy.Index,
        query: tantivy.Query,
        limit: int,
        *,
        every: bool,
        counted: bool = False,
    ) -> tuple[list[Scored], int | None]:
        searcher = index.searcher()
        result = searcher.search(query, limit, count=counted)
        ids = searcher.fast_field_values("id", [address for _, address in result.hits])
        found = [
            Scored(int(pid or 0), float(score), every)
            for (score, _), pid in zip(result.hits, ids, strict=True)
        ]
        return found, int(result.count) if counted else None  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ writing

    def catch_up(self, engine: Engine, *, most: int | None = None, wait: bool = True) -> int:
        """Replay committed changes; returns the papers reindexed, LEFT when more than
        `most` wait, BUSY when another writer holds the index and `wait` is false. Builds
        the index when there is none, or when the log lost changes it needs, and `most`
        allows."""
        with self._writing(wait) as held:
            if not held:
                return BUSY
            meta = self._read_meta()
            with self.changes.reading(engine) as connection:
                if meta is None or not self.changes.replayable(connection, meta.seq):
                    papers = int(connection.scalar(text("SELECT count(*) FROM papers")) or 0)
                    if most is not None and papers > most:
                        return LEFT
                    return self._build(connection)
                upto = self.changes.mark(connection)
                if upto <= meta.seq:
                    return 0
                limit = (most + 1) if most is not None else -1
                ids = self.changes.changed(connection, after=meta.seq, upto=upto, most=limit)
                if most is not None and len(ids) > most:
                    return LEFT
                self._apply(connection, meta.generation, ids)
            self._write_meta(Meta(meta.generation, upto))
        return len(ids)

    def _apply(self, connection: Connection, generation: str, ids: list[int]) -> None:
        index = self._open(generation)
        writer = index.writer(WRITER_HEAP, 1)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            for pid in chunk:
                writer.delete_documents_by_term("id", pid)
            for row in connection.execute(self.changes.some_documents, {"ids": chunk}):
                writer.add_document(_document(row))
        writer.commit()
        writer.wait_merging_threads()

    def rebuild(self, engine: Engine) -> int:
        """A new generation from the catalogue, swapped in; returns the papers indexed."""
        with self._writing(True), self.changes.reading(engine) as connection:
            return self._build(connection)

    def _build(self, connection: Connection) -> int:
        upto = self.changes.mark(connection)  # first: the documents read below include it
        generation = f"g-{uuid.uuid4().hex[:12]}"
        (self.folder / generation).mkdir(parents=True)
        index = self._open(generation)
        writer = index.writer(WRITER_HEAP, 2)
        count = 0
        for row in connection.execute(self.changes.every_document):
            writer.add_document(_document(row))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        old = self._read_meta()
        self._write_meta(Meta(generation, upto))
        if old is not None:  # open readers keep their files until they close them
            shutil.rmtree(self.folder / old.generation, ignore_errors=True)
        return count

    def _write_meta(self, meta: Meta) -> None:
        tmp = self.folder / f".current.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"generation": meta.generation, "seq": meta.seq}))
        os.replace(tmp, self.folder / "current.json")

    @contextmanager
    def _writing(self, wait: bool) -> Iterator[bool]:
        """One writer: this process's threads, then the machine's processes (file lock)."""
        if not self._writer.acquire(blocking=wait):
            yield False
            return
        try:
            with _file_lock(self.folder, wait) as held:
                yield held
        finally:
            self._writer.release()

    def prune(self, session: Session) -> int:
        """Drop the log entries no index needs any more; returns how many."""
        meta = self._read_meta()
        return 0 if meta is None else self.changes.prune(session, meta.seq)


def _document(row: Sequence[object]) -> tantivy.Document:
    pid, title, abstract, authors = row
    return tantivy.Document(id=int(pid), title=title or "", abstract=abstract, authors=authors)  # type: ignore[call-overload]


def engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


@contextmanager
def _file_lock(folder: Path, wait: bool = True) -> Iterator[bool]:
    """Held (True) until the block ends; False at once when taken and `wait` is false."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_indexes: dict[str, KeywordIndex] = {}
_registry_lock = threading.Lock()


def _shared(folder: Path, changes: ChangeLog, *, background: bool) -> KeywordIndex:
    with _registry_lock:
        if str(folder) not in _indexes:
            _indexes[str(folder)] = KeywordIndex(folder, changes, background=background)
        return _indexes[str(folder)]


def keyword_index_for(database: str | None) -> KeywordIndex | None:
    """The process's index of one SQLite file (`<file>.keywords/` beside it); None in memory."""
    if not database or database == ":memory:":
        return None
    found = _by_database.get(database)  # every search asks: resolve the path once
    if found is None:
        folder = Path(database).resolve().with_name(Path(database).name + ".keywords")
        found = _by_database.setdefault(
            database, _shared(folder, SqliteChangeLog(), background=False)
        )
    return found


_by_database: dict[str, KeywordIndex] = {}  # SQLite file as given -> its index
_databases: dict[str, str] = {}  # engine URL -> the database's name on disk
_IDENTITY = text(
    "SELECT (SELECT system_identifier FROM pg_control_system())::text || '-' || d.oid::text "
    "FROM pg_database d WHERE d.datname = current_database()"
)


def postgres_keyword_index(session: Session, data_dir: Path) -> KeywordIndex:
    """This node's index of the session's PostgreSQL database, under `data_dir/keywords/`.

    The folder is named by the cluster's system identifier and the database's oid: a
    streaming replica shares both with its primary (one folder for the two), a database
    dropped and created again, or restored elsewhere, gets a new folder.
    """
    url = str(engine_of(session).url)
    name = _databases.get(url)
    if name is None:
        name = _databases.setdefault(url, f"pg-{session.scalar(_IDENTITY)}")
    return _shared(data_dir / "keywords" / name, PostgresChangeLog(), background=True)
