"""Collections: a user's named lists of papers, public or private, with a note on each item."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community.models import Collection, CollectionItem
from dailypapers.papers.models import Paper
from dailypapers.papers.queries import PaperCard, cards_by_id

MAX_NAME = 200
MAX_NOTE = 2000


class CollectionError(ValueError):
    """A collection change refused, with a message for the user."""


@dataclass(frozen=True, slots=True)
class CollectionItemView:
    card: PaperCard
    note: str | None


@dataclass(frozen=True, slots=True)
class CollectionView:
    collection: Collection
    owner: User
    items: list[CollectionItemView]


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80] or "collection"


def create_collection(session: Session, *, user: User, name: str, is_public: bool) -> Collection:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise CollectionError(f"A collection needs a name of 1 to {MAX_NAME} characters.")
    base = slugify(name)
    taken = set(
        session.scalars(
            select(Collection.slug).where(
                Collection.user_id == user.id, Collection.slug.like(f"{base}%")
            )
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    collection = Collection(user_id=user.id, name=name, slug=slug, is_public=is_public)
    session.add(collection)
    session.flush()
    return collection


def user_collections(session: Session, *, user: User) -> list[Collection]:
    return list(
        session.scalars(
            select(Collection).where(Collection.user_id == user.id).order_by(Collection.name)
        )
    )


def collections_with_paper(session: Session, *, user: User, paper_id: int) -> set[int]:
    return set(
        session.scalars(
            select(CollectionItem.collection_id)
            .join(Collection, Collection.id == CollectionItem.collection_id)
            .where(Collection.user_id == user.id, CollectionItem.paper_id == paper_id)
        )
    )


def _owned(session: Session, *, user: User, collection_id: int) -> Collection:
    collection = session.get(Collection, collection_id)
    if collection is None or collection.user_id != user.id:
        raise CollectionError("No such collection of yours.")
    return collection


def add_to_collection(
    session: Session, *, user: User, collection_id: int, paper: Paper, note: str | None = None
) -> None:
    collection = _owned(session, user=user, collection_id=collection_id)
    note = (note or "").strip()[:MAX_NOTE] or None
    item = session.get(CollectionItem, (collection.id, paper.id))
    if item is None:
        session.add(CollectionItem(collection_id=collection.id, paper_id=paper.id, note=note))
    elif note is not None:
        item.note = note
    session.flush()


def set_item_note(
    session: Session, *, user: User, collection_id: int, paper: Paper, note: str
) -> None:
    """Replace (or, with blank text, clear) the note on a paper in the user's collection."""
    collection = _owned(session, user=user, collection_id=collection_id)
    item = session.get(CollectionItem, (collection.id, paper.id))
    if item is None:
        raise CollectionError("That paper is not in this collection.")
    item.note = note.strip()[:MAX_NOTE] or None
    session.flush()


def remove_from_collection(
    session: Session, *, user: User, collection_id: int, paper: Paper
) -> None:
    collection = _owned(session, user=user, collection_id=collection_id)
    session.execute(
        delete(CollectionItem).where(
            CollectionItem.collection_id == collection.id, CollectionItem.paper_id == paper.id
        )
    )


def set_visibility(
    session: Session, *, user: User, collection_id: int, is_public: bool
) -> Collection:
    collection = _owned(session, user=user, collection_id=collection_id)
    collection.is_public = is_public
    session.flush()
    return collection


def delete_collection(session: Session, *, user: User, collection_id: int) -> None:
    session.delete(_owned(session, user=user, collection_id=collection_id))
    session.flush()


def collection_view(
    session: Session, *, username: str, slug: str, viewer: User | None
) -> CollectionView | None:
    """A collection with its papers (newest additions first); private ones only for the owner."""
    row = session.execute(
        select(Collection, User)
        .join(User, User.id == Collection.user_id)
        .where(func.lower(User.username) == username.lower(), Collection.slug == slug)
    ).first()
    if row is None:
        return None
    collection, owner = row
    if not collection.is_public and (viewer is None or viewer.id != owner.id):
        return None
    items = session.execute(
        select(CollectionItem.paper_id, CollectionItem.note)
        .where(CollectionItem.collection_id == collection.id)
        .order_by(CollectionItem.added_at.desc(), CollectionItem.paper_id)
    ).all()
    notes = dict(items)
    cards = cards_by_id(session, [paper_id for paper_id, _ in items])
    views = [CollectionItemView(card, notes[card.paper_id]) for card in cards if not card.hidden]
    return CollectionView(collection, owner, views)


def public_collections(session: Session, *, user: User) -> list[Collection]:
    return [c for c in user_collections(session, user=user) if c.is_public]
