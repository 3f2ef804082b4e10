"""The bulk loader: a batch of records in a handful of set-based statements.

It leaves the database exactly as `load_paper` called on each record in order would (a test
compares the two on both backends): the newest version wins, the first version's date is
kept, fields a source lacks are not erased, one author row per spelling, one daily entry per
paper and day. Instead of a few queries per paper it reads what exists for the whole batch,
decides in Python, and writes with executemany: new papers in one INSERT, changed ones in one
UPDATE, authors and organizations got-or-created by batch (INSERT ... ON CONFLICT DO NOTHING),
daily entries likewise. Unchanged papers cost no write at all, so a re-import is cheap.

New papers get their ids first (in order, as an INSERT would give them) and are written
together with their author links (`insert_family`): row triggers on papers then see each
paper complete. The full-text index is not left to its row triggers: it is turned off for
the batch and the papers created or changed are indexed in one statement at its end
(`search.deferral`).

Library code: it flushes nothing it does not own and never commits; the caller's unit of
work makes one transaction of the batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.orm import Session

from dailypapers.db.base import utcnow
from dailypapers.ingest.authors_ahead import AuthorsAhead
from dailypapers.ingest.load import (
    WRITTEN_FIELDS,
    Outcome,
    earlier_published,
    is_older,
    provided_values,
)
from dailypapers.ingest.records import OrganizationRecord, PaperRecord
from dailypapers.ingest.sqlbatch import (
    begin_batch,
    delete_in,
    insert_family,
    insert_rows,
    json_null,
    next_ids,
    select_in,
)
from dailypapers.ingest.summary import ImportSummary
from dailypapers.papers.models import Author, DailyEntry, Organization, Paper, PaperAuthor
from dailypapers.search.deferral import PendingPapers, deferred_fulltext

PAPERS: Table = Paper.__table__  # type: ignore[assignment]
AUTHORS: Table = Author.__table__  # type: ignore[assignment]
PAPER_AUTHORS: Table = PaperAuthor.__table__  # type: ignore[assignment]
ORGANIZATIONS: Table = Organization.__table__  # type: ignore[assignment]
DAILY: Table = DailyEntry.__table__  # type: ignore[assignment]

_MANAGED = WRITTEN_FIELDS


@cache
def _column_default(name: str) -> Any:
    """What the ORM would store in a new paper's column left unset (abstract "", 0, [])."""
    default = PAPERS.c[name].default
    if default is None or not hasattr(default, "arg"):
        return None
    return default.arg(None) if callable(default.arg) else default.arg


@dataclass(slots=True)
class _Plan:
    """What loading one record does."""

    record: PaperRecord
    row: dict[str, Any] | None  # the stored paper, None when new
    outcome: Outcome = Outcome.UNCHANGED
    values: dict[str, Any] | None = None  # columns to write (all of _MANAGED)
    write_authors: bool = False
    paper_id: int | None = None


def load_batch(
    session: Session, records: Sequence[PaperRecord], *, ahead: AuthorsAhead | None = None
) -> ImportSummary:
    """Load `records` in the session's transaction; flushes, never commits. With `ahead`,
    new author rows are committed before it, in a transaction of their own (see
    `authors_ahead`); the caller calls its `forget` when this transaction fails."""
    session.flush()
    connection = session.connection()
    begin_batch(connection)
    summary = ImportSummary()
    with deferred_fulltext(connection) as pending:
        for group in _sequential_groups(records):
            _load_group(connection, group, summary, pending, ahead)
    return summary


def _sequential_groups(records: Sequence[PaperRecord]) -> Iterator[list[PaperRecord]]:
    """Cut the batch where a key repeats, so each group holds a paper once, order kept."""
    group: list[PaperRecord] = []
    keys: set[str] = set()
    for record in records:
        if record.key in keys:
            yield group
            group, keys = [], set()
        group.append(record)
        keys.add(record.key)
    if group:
        yield group


def _load_group(
    connection: Connection,
    records: list[PaperRecord],
    summary: ImportSummary,
    pending: PendingPapers,
    ahead: AuthorsAhead | None = None,
) -> None:
    plans = _resolve(connection, records)
    found = [p.row["id"] for p in plans if p.row is not None]
    if len(set(found)) < len(found):
        # Two records found the same stored paper (by arxiv id and by key): one at a time.
        for record in records:
            _load_group(connection, [record], summary, pending, ahead)
        return
    live = [p for p in plans if not _is_older(p)]
    organizations = _organization_ids(connection, [p.record for p in live])
    stored_authors = _stored_authors(
        connection, [p.row["id"] for p in live if p.row is not None and p.record.authors]
    )
    for plan in live:
        _decide(plan, organizations, stored_authors)
    new = [p for p in live if p.row is None]
    for plan, paper_id in zip(new, next_ids(connection, PAPERS, len(new)), strict=True):
        plan.paper_id = paper_id
    links = _author_links(connection, [p for p in live if p.write_authors], ahead)
    new_ids = {p.paper_id for p in new}
    new_links = [link for link in links if link["paper_id"] in new_ids]
    insert_family(connection, PAPERS, _new_paper_rows(new), PAPER_AUTHORS, new_links)
    _update_papers(connection, [p for p in live if p.row is not None and p.values is not None])
    stale = [p.paper_id for p in live if p.write_authors and p.outcome is Outcome.UPDATED]
    delete_in(connection, PAPER_AUTHORS, PAPER_AUTHORS.c.paper_id, stale)
    insert_rows(
        connection, PAPER_AUTHORS, [link for link in links if link["paper_id"] not in new_ids]
    )
    summary.listed += _list_daily(connection, plans)
    pending.created += [p.paper_id for p in new if p.paper_id is not None]
    pending.changed += [
        p.paper_id for p in live if p.outcome is Outcome.UPDATED and p.paper_id is not None
    ]
    for plan in plans:
        summary.count(plan.outcome)


def _resolve(connection: Connection, records: list[PaperRecord]) -> list[_Plan]:
    """Find each record's stored paper: by arXiv id first, then by key, as `load_paper`."""
    columns = [PAPERS.c.id, PAPERS.c.key, *(PAPERS.c[name] for name in _MANAGED)]
    ids = [r.arxiv_id for r in records if r.arxiv_id]
    by_arxiv = {
        row["arxiv_id"]: row for row in _rows_where(connection, columns, PAPERS.c.arxiv_id, ids)
    }
    missing = [r.key for r in records if not (r.arxiv_id and r.arxiv_id in by_arxiv)]
    by_key = {row["key"]: row for row in _rows_where(connection, columns, PAPERS.c.key, missing)}
    plans = []
    for record in records:
        row = by_arxiv.get(record.arxiv_id) if record.arxiv_id else None
        plans.append(_Plan(record, row if row is not None else by_key.get(record.key)))
    return plans


def _rows_where(
    connection: Connection, columns: list[Any], column: Any, values: Iterable[Any]
) -> Iterator[dict[str, Any]]:
    for row in select_in(connection, columns, column, list(values)):
        yield dict(row)


def _is_older(plan: _Plan) -> bool:
    if plan.row is None:
        return False
    stored = {"version": plan.row["arxiv_version"], "updated_at": plan.row["updated_at"]}
    if is_older(plan.record, **stored):
        plan.outcome = Outcome.OLDER
        plan.paper_id = plan.row["id"]
        return True
    return False


def _decide(
    plan: _Plan, organizations: dict[str, int], stored_authors: dict[int, list[str]]
) -> None:
    """The columns and authors to write, and the outcome, exactly as `load_paper` decides."""
    record, row = plan.record, plan.row
    values: dict[str, Any] = provided_values(record)
    if published := earlier_published(record, row["published_at"] if row else None):
        values["published_at"] = published
    if record.organization is not None:
        values["organization_id"] = organizations[record.organization.name]
    if row is None:
        plan.outcome = Outcome.CREATED
        plan.values = {name: values.get(name, _column_default(name)) for name in _MANAGED}
        plan.write_authors = bool(record.authors)
        return
    plan.paper_id = row["id"]
    changed = any(row[name] != value for name, value in values.items())
    plan.write_authors = bool(record.authors) and stored_authors.get(row["id"]) != record.authors
    if changed:
        plan.values = {name: values.get(name, row[name]) for name in _MANAGED}
    if changed or plan.write_authors:
        plan.outcome = Outcome.UPDATED


def _organization_ids(connection: Connection, records: list[PaperRecord]) -> dict[str, int]:
    """Get or create each organization; the last avatar given wins, as in `load_paper`."""
    wanted: dict[str, OrganizationRecord] = {}
    avatars: dict[str, str] = {}
    for record in records:
        org = record.organization
        if org is not None:
            wanted.setdefault(org.name, org)
            if org.avatar_url:
                avatars[org.name] = org.avatar_url
    if not wanted:
        return {}
    columns = [ORGANIZATIONS.c.id, ORGANIZATIONS.c.name, ORGANIZATIONS.c.avatar_url]
    found = {r["name"]: r for r in _rows_where(connection, columns, ORGANIZATIONS.c.name, wanted)}
    new = [
        {"name": o.name, "full_name": o.full_name, "avatar_url": o.avatar_url}
        for name, o in wanted.items()
        if name not in found
    ]
    if new:
        insert_rows(connection, ORGANIZATIONS, new, skip_conflicts_on=["name"])
        created = [row["name"] for row in new]
        found |= {
            r["name"]: r for r in _rows_where(connection, columns, ORGANIZATIONS.c.name, created)
        }
    changed = [
        {"_id": found[name]["id"], "_avatar": url}
        for name, url in avatars.items()
        if found[name]["avatar_url"] != url
    ]
    if changed:
        statement = (
            ORGANIZATIONS.update()
            .where(ORGANIZATIONS.c.id == bindparam("_id"))
            .values(avatar_url=bindparam("_avatar"))
        )
        connection.execute(statement, changed)
    return {name: row["id"] for name, row in found.items()}


def _stored_authors(connection: Connection, paper_ids: list[int]) -> dict[int, list[str]]:
    """Author names of each paper, in order."""
    columns = [PAPER_AUTHORS.c.paper_id, PAPER_AUTHORS.c.position, AUTHORS.c.name]
    links = select(*columns).join(AUTHORS, AUTHORS.c.id == PAPER_AUTHORS.c.author_id).subquery()
    rows = sorted(
        (row["paper_id"], row["position"], row["name"])
        for row in select_in(connection, list(links.c), links.c.paper_id, paper_ids)
    )
    authors: dict[int, list[str]] = {}
    for paper_id, _position, name in rows:
        authors.setdefault(paper_id, []).append(name)
    return authors


def _new_paper_rows(plans: list[_Plan]) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {"id": p.paper_id, "key": p.record.key, **(p.values or {})}
        | {"created_at": now, "modified_at": now}
        for p in plans
    ]


def _update_papers(connection: Connection, plans: list[_Plan]) -> None:
    if not plans:
        return
    statement = (
        PAPERS.update()
        .where(PAPERS.c.id == bindparam("_id"))
        .values({name: bindparam(f"_{name}") for name in (*_MANAGED, "modified_at")})
    )
    now = utcnow()
    rows = [
        {
            "_id": p.paper_id,
            "_modified_at": now,
            **{f"_{k}": json_null(PAPERS.c[k], v) for k, v in p.values.items()},
        }
        for p in plans
        if p.values is not None
    ]
    connection.execute(statement, rows)


def _author_links(
    connection: Connection, plans: list[_Plan], ahead: AuthorsAhead | None
) -> list[dict[str, Any]]:
    """The paper_authors rows of `plans`' papers, creating missing author rows."""
    if not plans:
        return []
    ids = _author_ids(connection, [name for p in plans for name in p.record.authors], ahead)
    return [
        {"paper_id": p.paper_id, "position": position, "author_id": ids[name]}
        for p in plans
        for position, name in enumerate(p.record.authors)
    ]


def _author_ids(
    connection: Connection, names: list[str], ahead: AuthorsAhead | None
) -> dict[str, int]:
    """Author row ids for `names`, creating missing ones in first-seen order."""
    unique = list(dict.fromkeys(names))
    columns = [AUTHORS.c.id, AUTHORS.c.name]
    ids = {r["name"]: r["id"] for r in _rows_where(connection, columns, AUTHORS.c.name, unique)}
    missing = [name for name in unique if name not in ids]
    if missing:
        if ahead is not None:
            ids |= ahead.insert(missing)
        else:
            rows = [{"name": name} for name in missing]
            inserted = insert_rows(
                connection, AUTHORS, rows, skip_conflicts_on=["name"], returning=["id", "name"]
            )
            ids |= {name: author_id for author_id, name in inserted}
        raced = [name for name in missing if name not in ids]  # a concurrent import made them
        ids |= {r["name"]: r["id"] for r in _rows_where(connection, columns, AUTHORS.c.name, raced)}
    return ids


def _list_daily(connection: Connection, plans: list[_Plan]) -> int:
    """Add the missing daily entries; returns how many were added."""
    wanted = [p for p in plans if p.record.listed_on is not None]
    if not wanted:
        return 0
    known = [p.paper_id for p in wanted if p.outcome is not Outcome.CREATED]
    columns = [DAILY.c.paper_id, DAILY.c.day]
    existing: set[tuple[int, date]] = {
        (row["paper_id"], row["day"])
        for row in _rows_where(connection, columns, DAILY.c.paper_id, known)
    }
    now = utcnow()
    rows = [
        {
            "paper_id": p.paper_id,
            "day": p.record.listed_on,
            "source": "import",
            "submitter_name": p.record.submitter_name,
            "submitted_at": now,
        }
        for p in wanted
        if (p.paper_id, p.record.listed_on) not in existing
    ]
    insert_rows(connection, DAILY, rows, skip_conflicts_on=["paper_id", "day"])
    return len(rows)
