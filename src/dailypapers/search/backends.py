"""The one place that asks which database runs: it picks the search backends for a session."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from dailypapers.db.engine import data_dir_of
from dailypapers.search.fulltext import FullTextIndex
from dailypapers.search.fulltext_postgres import PostgresFullText
from dailypapers.search.fulltext_sqlite import SqliteFullText
from dailypapers.search.keyword_index import keyword_index_for, postgres_keyword_index
from dailypapers.search.vectors import VectorIndex, usearch_index_for
from dailypapers.search.vectors_pgvector import PgvectorIndex
from dailypapers.settings import get_settings


@dataclass(frozen=True, slots=True)
class SearchBackend:
    fulltext: FullTextIndex
    vectors: VectorIndex


def backend_for(session: Session) -> SearchBackend:
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # the node's own index folder, under the DATA_DIR of the settings the engine was
        # made for (the app's, the command's), else of the process's environment
        data_dir = data_dir_of(bind.engine) or get_settings().data_dir
        keyword = postgres_keyword_index(session, data_dir)
        return SearchBackend(PostgresFullText(keyword), PgvectorIndex())
    if bind.dialect.name == "sqlite":
        return SearchBackend(
            SqliteFullText(keyword_index_for(bind.engine.url.database)),
            usearch_index_for(bind.engine.url.database),
        )
    raise NotImplementedError(f"no search backend for {bind.dialect.name}")
