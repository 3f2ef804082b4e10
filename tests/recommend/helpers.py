"""A tiny crafted corpus: papers with hand-made unit vectors in the embeddings table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community.models import Collection, CollectionItem, Upvote
from dailypapers.papers.models import Paper
from dailypapers.search.embedder import MODEL_NAME
from dailypapers.search.models import Embedding
from tests.factories import make_paper

DIM = 8
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def direction(*weights: float) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[: len(weights)] = weights
    return v / np.linalg.norm(v)


def paper_with_vector(
    session: Session,
    title: str,
    vector: np.ndarray,
    *,
    days_ago: float = 1,
    listed_on: date | None = None,
    **fields: object,
) -> Paper:
    paper = make_paper(
        session,
        title=title,
        published_at=NOW - timedelta(days=days_ago),
        listed_on=listed_on,
        **fields,
    )
    session.add(
        Embedding(paper_id=paper.id, model=MODEL_NAME, text_hash=title, dim=DIM, vector=vector)
    )
    session.flush()
    return paper


def upvote(session: Session, user: User, paper: Paper, *, days_ago: float = 30) -> None:
    session.add(
        Upvote(user_id=user.id, paper_id=paper.id, created_at=NOW - timedelta(days=days_ago))
    )
    session.flush()


def collect(session: Session, user: User, paper: Paper, *, days_ago: float = 30) -> None:
    collection = Collection(user_id=user.id, name="Reading", slug=f"reading-{paper.id}")
    session.add(collection)
    session.flush()
    session.add(
        CollectionItem(
            collection_id=collection.id, paper_id=paper.id, added_at=NOW - timedelta(days=days_ago)
        )
    )
    session.flush()


def corpus(session: Session, user: User) -> dict[str, Paper]:
    """The reader likes vision (axis 0) and speech (axis 1); candidates of every kind."""
    liked = {
        "Old vision paper": paper_with_vector(
            session, "Old vision paper", direction(1, 0.1), days_ago=200
        ),
        "Old vision paper 2": paper_with_vector(
            session, "Old vision paper 2", direction(1, 0, 0.1), days_ago=150
        ),
        "Old speech paper": paper_with_vector(
            session, "Old speech paper", direction(0.1, 1), days_ago=120
        ),
        "Collected vision paper": paper_with_vector(
            session, "Collected vision paper", direction(1, 0.05, 0.05), days_ago=2
        ),
    }
    upvote(session, user, liked["Old vision paper"])
    upvote(session, user, liked["Old vision paper 2"])
    upvote(session, user, liked["Old speech paper"])
    collect(session, user, liked["Collected vision paper"])
    papers = dict(liked)
    for title, vector, days in [
        ("New vision paper", direction(1, 0, 0, 0.2), 1),
        ("New speech paper", direction(0.05, 1, 0, 0.3), 3),
        ("New astronomy paper", direction(0, 0, 0, 0, 1), 1),
        ("New chemistry paper", direction(0, 0, 0, 0, 0, 1), 2),
        ("Vision paper from last year", direction(1, 0, 0, 0.1), 400),
        ("Hidden vision paper", direction(1, 0, 0, 0.15), 1),
    ]:
        papers[title] = paper_with_vector(session, title, vector, days_ago=days)
    papers["Hidden vision paper"].hidden = True
    # negatives for the classifier: a spread of other topics, older
    rng = np.random.default_rng(0)
    for i in range(40):
        v = rng.normal(size=DIM).astype(np.float32)
        papers[f"background {i}"] = paper_with_vector(
            session, f"Background paper {i}", v / np.linalg.norm(v), days_ago=300
        )
    session.flush()
    return papers
