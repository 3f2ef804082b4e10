"""New author rows committed ahead of a PostgreSQL import batch, taken back if it fails.

PostgreSQL imports with two writers (`pipeline`). Author names repeat across batches, and a
name that one batch's transaction inserted blocks the other batch's insert of the same name
until the first commits, so the two writers took turns: on the 75k snapshot each waited
0.6 to 1.1 s a batch on the other. Committed in a short transaction of their own before the
batch uses them, new names block nobody for long: the 75k import took 56.1 s instead of
79.9 s (`benchmarks/ingest.py --baseline`, back to back, load 0.8 to 1.8).

Every writer inserts its names in one order (sorted), with ids drawn beforehand in the
order the names were first seen, so two such transactions cannot deadlock. A batch that
fails deletes the rows it committed ahead that no paper links to (`forget`). A killed
import can leave such rows behind: an author without papers is shown nowhere, and the
rerun that completes the import links them (names are unique).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Table, exists, select
from sqlalchemy.exc import DBAPIError

from dailypapers.ingest.sqlbatch import insert_rows, next_ids, one_of
from dailypapers.papers.models import Author, PaperAuthor

log = logging.getLogger(__name__)

AUTHORS: Table = Author.__table__  # type: ignore[assignment]
PAPER_AUTHORS: Table = PaperAuthor.__table__  # type: ignore[assignment]


@dataclass(slots=True)
class AuthorsAhead:
    """The author rows one batch committed ahead of its own transaction."""

    engine: Engine
    created: list[int] = field(default_factory=list)

    def insert(self, names: list[str]) -> dict[str, int]:
        """Insert `names` (unknown when the batch looked) and commit; the id of each one
        inserted. A name a concurrent writer inserted first is left out: look it up."""
        with self.engine.connect() as connection:
            ids = next_ids(connection, AUTHORS, len(names))
            pairs = sorted(zip(names, ids, strict=True))  # one order for every writer
            rows: list[dict[str, Any]] = [{"id": i, "name": name} for name, i in pairs]
            inserted = insert_rows(
                connection, AUTHORS, rows, skip_conflicts_on=["name"], returning=["id", "name"]
            )
            connection.commit()
        self.created += [author_id for author_id, _name in inserted]
        return {name: author_id for author_id, name in inserted}

    def forget(self) -> None:
        """Delete the rows committed ahead that no paper links to (the batch failed).

        The rows are locked first: a concurrent batch that links one of them either has
        committed by then (and the row stays) or waits for this transaction and, the row
        gone, fails its foreign-key check and is retried. Deleting without the lock could
        cascade onto a link committed between the check and the delete.
        """
        if not self.created:
            return
        linked = exists().where(PAPER_AUTHORS.c.author_id == AUTHORS.c.id)
        try:
            with self.engine.begin() as connection:
                ours = one_of(connection, AUTHORS.c.id, self.created)
                locked = connection.scalars(select(AUTHORS.c.id).where(ours).with_for_update())
                if held := list(locked):
                    mine = one_of(connection, AUTHORS.c.id, held)
                    connection.execute(AUTHORS.delete().where(mine, ~linked))
        except DBAPIError as exc:  # the batch's own error matters more; rows stay unused
            log.warning("could not delete %d unused author rows: %s", len(self.created), exc)
        self.created.clear()
