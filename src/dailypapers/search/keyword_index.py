"""Exact BM25 top-k on SQLite: a tantivy index in a folder beside the database file.

tantivy (the Rust engine behind Quickwit) finds the best k matches of a query with
Block-Max WAND: the same top k as scoring every match, without scoring them all.

The index is derived from the catalogue, like the vector index. Triggers (migration
0008_search_text_log) list every paper whose title, abstract, authors or visibility changed
in `search_text_changes`. The folder holds generations of the index and `current.json`,
which names the live generation and the last change it holds. Whoever finds the index
behind - a search, the embedding job, an import - replays the committed changes under a
file lock (one writer at a time, any number of processes) and rewrites `current.json`;
readers see the new `seq` and reopen. A rebuild writes a new generation and swaps it in.

The index answers a search only when it holds every change the searching session can see.
Inside a transaction that changed papers, or while a big backlog waits for a job, keyword
search falls back to SQLite's FTS5 table, scored exactly (slower, always consistent).
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
from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.orm import Session

from dailypapers.search.fulltext import Scored
from dailypapers.search.text import ParsedQuery

log = logging.getLogger(__name__)
FIELDS = ["title", "abstract", "authors"]
TITLE_BOOST = 1.25  # tuned on CACM, Cranfield (README); above 1: titles count more
IN_REQUEST_LAG = 2_000  # the most changed papers a search replays itself
WRITER_HEAP = 128_000_000
_CHUNK = 500
_DOCUMENTS = (  # one document per visible paper
    "SELECT p.id, p.title, coalesce(p.abstract, ''), coalesce((SELECT group_concat(a.name, ', ') "
    "FROM paper_authors pa JOIN authors a ON a.id = pa.author_id "
    "WHERE pa.paper_id = p.id), '') FROM papers p WHERE NOT p.hidden"
)
_SOME_DOCUMENTS = text(_DOCUMENTS + " AND p.id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)
_LAST_CHANGE = text("SELECT seq FROM sqlite_sequence WHERE name = 'search_text_changes'")
_CHANGED = text(
    "SELECT DISTINCT paper_id FROM search_text_changes WHERE seq > :after AND seq <= :upto "
    "LIMIT :most"
)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=False, indexed=True, fast=True)
    for name in FIELDS:
        builder.add_text_field(name, tokenizer_name="en_folded")
    return builder.build()


def _analyzer() -> tantivy.TextAnalyzer:
    """Words of letters and digits, lower case, accents folded, Snowball English stems."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(60))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def last_change(connection: Session | Connection) -> int:
    """The newest entry of the change log this connection sees (its own writes included)."""
    return int(connection.scalar(_LAST_CHANGE) or 0)


@dataclass(frozen=True, slots=True)
class Meta:
    generation: str
    seq: int


class KeywordIndex:
    """The tantivy index of one SQLite database, shared by the threads of a process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._index: tantivy.Index | None = None
        self._meta: Meta | None = None
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ reading

    def _read_meta(self) -> Meta | None:
        try:
            raw = json.loads((self.folder / "current.json").read_text())
            return Meta(str(raw["generation"]), int(raw["seq"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _open(self, generation: str) -> tantivy.Index:
        index = tantivy.Index(_schema(), path=str(self.folder / generation), reuse=True)
        index.register_tokenizer("en_folded", _analyzer())
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
        seen = last_change(session)
        state = self.current()
        if state is None or state[1].seq < seen:
            try:
                self.catch_up(engine_of(session), most=IN_REQUEST_LAG)
            except (OSError, ValueError) as exc:  # e.g. a full disk: FTS5 answers meanwhile
                log.warning("keyword index %s cannot catch up: %s", self.folder, exc)
            state = self.current()
        if state is None or state[1].seq < seen:
            return None
        return state[0]

    def ranked(self, index: tantivy.Index, query: ParsedQuery, limit: int) -> list[Scored]:
        """Papers with every term and phrase first, then with any (a phrase matched counts
        as one more term); BM25 order."""
        terms = [self._field_query(index, t) for t in query.terms]
        phrases = [self._field_query(index, f'"{p}"') for p in query.phrases]
        every = _boolean([*terms, *phrases], [])
        found = self._search(index, every, limit, every=True)
        if len(found) >= limit or len(terms) + len(phrases) <= 1:
            return found
        seen = {s.paper_id for s in found}
        anyone = self._search(index, _boolean([], [*terms, *phrases]), limit, every=False)
        return (found + [s for s in anyone if s.paper_id not in seen])[:limit]

    def count(self, index: tantivy.Index, query: ParsedQuery) -> int:
        """Papers holding every term and phrase, exactly."""
        terms = [
            self._field_query(index, t) for t in (*query.terms, *(f'"{p}"' for p in query.phrases))
        ]
        found = index.searcher().search(_boolean(terms, []), 1, count=True)
        return int(found.count)  # type: ignore[attr-defined]  # tantivy's stub omits `count`

    @staticmethod
    def _field_query(index: tantivy.Index, words: str) -> tantivy.Query:
        return index.parse_query(words, FIELDS, field_boosts={"title": TITLE_BOOST})

    @staticmethod
    def _search(
        index: tantivy.Index, query: tantivy.Query, limit: int, *, every: bool
    ) -> list[Scored]:
        searcher = index.searcher()
        hits = searcher.search(query, limit, count=False).hits
        ids = searcher.fast_field_values("id", [address for _, address in hits])
        return [
            Scored(int(pid or 0), float(score), every)
            for (score, _), pid in zip(hits, ids, strict=True)
        ]

    # ------------------------------------------------------------------ writing

    def catch_up(self, engine: Engine, *, most: int | None = None) -> int:
        """Replay committed changes; returns the papers reindexed, -1 when more than `most`
        wait (left for a job). Builds the index when there is none and `most` allows."""
        with self._lock, _file_lock(self.folder):
            meta = self._read_meta()
            with engine.connect() as connection:
                if meta is None:
                    papers = int(connection.scalar(text("SELECT count(*) FROM papers")) or 0)
                    if most is not None and papers > most:
                        return -1
                    return self._build(connection)
                upto = last_change(connection)
                if upto <= meta.seq:
                    return 0
                limit = (most + 1) if most is not None else -1
                ids = list(
                    connection.scalars(_CHANGED, {"after": meta.seq, "upto": upto, "most": limit})
                )
                if most is not None and len(ids) > most:
                    return -1
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
            for row in connection.execute(_SOME_DOCUMENTS, {"ids": chunk}):
                writer.add_document(_document(row))
        writer.commit()
        writer.wait_merging_threads()

    def rebuild(self, engine: Engine) -> int:
        """A new generation from the catalogue, swapped in; returns the papers indexed."""
        with self._lock, _file_lock(self.folder), engine.connect() as connection:
            return self._build(connection)

    def _build(self, connection: Connection) -> int:
        upto = last_change(connection)
        generation = f"g-{uuid.uuid4().hex[:12]}"
        (self.folder / generation).mkdir(parents=True)
        index = self._open(generation)
        writer = index.writer(WRITER_HEAP, 2)
        count = 0
        for row in connection.execute(text(_DOCUMENTS)):
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


def prune_log(session: Session, index: KeywordIndex) -> int:
    """Drop the log entries the index holds; returns how many."""
    meta = index._read_meta()
    if meta is None:
        return 0
    return (
        session.connection()
        .execute(text("DELETE FROM search_text_changes WHERE seq <= :seq"), {"seq": meta.seq})
        .rowcount
    )


def _boolean(must: Sequence[tantivy.Query], should: Sequence[tantivy.Query]) -> tantivy.Query:
    clauses = [(tantivy.Occur.Must, q) for q in must] + [(tantivy.Occur.Should, q) for q in should]
    return tantivy.Query.boolean_query(clauses)


def _document(row: Sequence[object]) -> tantivy.Document:
    pid, title, abstract, authors = row
    return tantivy.Document(id=int(pid), title=title or "", abstract=abstract, authors=authors)  # type: ignore[call-overload]


def engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


@contextmanager
def _file_lock(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_indexes: dict[str, KeywordIndex] = {}
_registry_lock = threading.Lock()


def keyword_index_for(database: str | None) -> KeywordIndex | None:
    """The process's index of one SQLite file (`<file>.keywords/` beside it); None in memory."""
    if not database or database == ":memory:":
        return None
    folder = Path(database).resolve().with_name(Path(database).name + ".keywords")
    with _registry_lock:
        return _indexes.setdefault(str(folder), KeywordIndex(folder))
