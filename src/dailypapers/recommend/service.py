"""`for_you`: recent papers for one reader, ranked by similarity to their upvoted and
collected papers, each with the paper of theirs it is most similar to."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from dailypapers.accounts.models import User
from dailypapers.community.models import Collection as PaperCollection
from dailypapers.community.models import CollectionItem, Upvote
from dailypapers.db.base import utcnow
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.queries import PaperCard, cards_by_id
from dailypapers.recommend.scoring import ScoringParams, decay_weights, score_candidates
from dailypapers.search.models import Embedding

MIN_PAPERS = 3  # upvoted or collected papers needed before we recommend
NEGATIVES = 1000  # random corpus papers the classifier learns against
CANDIDATE_CAP = 20_000  # the most recent papers scored


@dataclass(frozen=True, slots=True)
class Reason:
    """The reader's paper a recommendation is most similar to."""

    key: str
    title: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Recommendation:
    card: PaperCard
    score: float
    because: Reason

    @property
    def why(self) -> str:
        return f"similar to {self.because.title}"


@dataclass(slots=True)
class ForYou:
    items: list[Recommendation] = field(default_factory=list)
    profile_size: int = 0  # papers upvoted or collected
    window_days: int = 14
    window_end: datetime | None = None  # the window's last moment (None: a digest's papers)
    explanation: str | None = None  # why there is nothing to show, when that is the case

    @property
    def last_day(self) -> date | None:
        """The window's last day (the latest listed day on an archive), when there is one."""
        return (self.window_end - timedelta(microseconds=1)).date() if self.window_end else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "profileSize": self.profile_size,
            "windowDays": self.window_days,
            "explanation": self.explanation,
            "items": [
                {
                    "id": r.card.key,
                    "title": r.card.title,
                    "score": round(r.score, 6),
                    "why": r.why,
                    "similarTo": {
                        "id": r.because.key,
                        "title": r.because.title,
                        "similarity": round(r.because.similarity, 6),
                    },
                }
                for r in self.items
            ],
        }


def reader_papers(session: Session, *, user: User) -> dict[int, datetime]:
    """The user's upvoted and collected paper ids, each with its latest such action."""
    acted: dict[int, datetime] = {}
    votes = select(Upvote.paper_id, Upvote.created_at).where(Upvote.user_id == user.id)
    items = (
        select(CollectionItem.paper_id, CollectionItem.added_at)
        .join(PaperCollection, PaperCollection.id == CollectionItem.collection_id)
        .where(PaperCollection.user_id == user.id)
    )
    for stmt in (votes, items):
        for paper_id, when in session.execute(stmt):
            if paper_id not in acted or when > acted[paper_id]:
                acted[paper_id] = when
    return acted


def _vectors(session: Session, ids: list[int], model: str) -> dict[int, np.ndarray]:
    found: dict[int, np.ndarray] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        stmt = select(Embedding.paper_id, Embedding.vector).where(
            Embedding.paper_id.in_(chunk), Embedding.model == model
        )
        found.update({pid: vec for pid, vec in session.execute(stmt)})  # noqa: C416
    return found


def _negatives(session: Session, *, model: str, exclude: set[int], seed: int) -> np.ndarray:
    """Vectors of about NEGATIVES random papers (ids from the small papers table, whose
    index reads fast; the embeddings table holds the big vectors)."""
    ids = [pid for pid in session.scalars(select(Paper.id)) if pid not in exclude]
    if not ids:
        return np.zeros((0, 0), dtype=np.float32)
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(ids), size=min(NEGATIVES, len(ids)), replace=False)
    vectors = _vectors(session, sorted(ids[i] for i in picked), model)
    return np.stack(list(vectors.values())) if vectors else np.zeros((0, 0), dtype=np.float32)


def window_end(session: Session, *, now: datetime) -> datetime:
    """Where the window of recent papers ends: `now`, or the end of the latest listed day
    when that is older (a demo, an archive, a site whose fetches stopped)."""
    latest = session.scalar(select(func.max(DailyEntry.day)))
    if latest is None or latest >= now.date():
        return now
    return datetime(latest.year, latest.month, latest.day, tzinfo=UTC) + timedelta(days=1)


def _recent_ids(session: Session, *, model: str, since: datetime, until: datetime) -> list[int]:
    """Embedded, visible papers published or listed between `since` and `until`, newest
    first (at most CANDIDATE_CAP)."""
    listed = select(DailyEntry.paper_id).where(
        DailyEntry.day >= since.date(), DailyEntry.day < until.date() + timedelta(days=1)
    )
    published = (Paper.published_at >= since) & (Paper.published_at <= until)
    stmt = _embedded(model).where(or_(published, Paper.id.in_(listed)))
    return list(session.scalars(stmt.limit(CANDIDATE_CAP)))


def _ids_within(session: Session, *, model: str, within: Collection[int]) -> list[int]:
    wanted, found = list(within), []
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        found += list(session.scalars(_embedded(model).where(Paper.id.in_(chunk))))
    return found


def _embedded(model: str) -> Select[int]:
    return (
        select(Paper.id)
        .join(Embedding, Embedding.paper_id == Paper.id)
        .where(Embedding.model == model, Paper.hidden.is_(False))
        .order_by(Paper.published_at.desc(), Paper.id.desc())
    )


def _embedded_profile(
    session: Session, acted: dict[int, datetime], result: ForYou
) -> tuple[str, dict[int, np.ndarray]] | None:
    """The model most of the reader's papers are embedded with, and their vectors; None
    (with `result.explanation` set) when too few are embedded."""
    models = Counter(
        session.scalars(select(Embedding.model).where(Embedding.paper_id.in_(list(acted))))
    )
    if not models:
        result.explanation = "None of your papers has been embedded yet; try again later."
        return None
    model = models.most_common(1)[0][0]
    profile = _vectors(session, sorted(acted), model)
    if len(profile) < MIN_PAPERS:
        result.explanation = (
            f"Only {len(profile)} of your {len(acted)} papers are embedded yet; "
            f"recommendations need {MIN_PAPERS}."
        )
        return None
    return model, profile


def for_you(
    session: Session,
    *,
    user: User,
    limit: int = 20,
    window_days: int = 14,
    now: datetime | None = None,
    within: Collection[int] | None = None,
    params: ScoringParams | None = None,
) -> ForYou:
    """Papers published or listed in the `window_days` up to `now`, or up to the latest listed
    day when that is older (or, when given, the papers of `within` whatever their date),
    ranked for `user`; papers they already upvoted or collected are skipped. Reads only."""
    now = now or utcnow()
    result = ForYou(window_days=window_days)
    acted = reader_papers(session, user=user)
    result.profile_size = len(acted)
    if len(acted) < MIN_PAPERS:
        result.explanation = (
            f"Upvote or collect at least {MIN_PAPERS} papers to get recommendations "
            f"(you have {len(acted)}): press ▲ or Save on papers you like."
        )
        return result
    embedded = _embedded_profile(session, acted, result)
    if embedded is None:
        return result
    model, profile = embedded
    if within is None:
        result.window_end = window_end(session, now=now)
        since = result.window_end - timedelta(days=window_days)
        candidate_ids = _recent_ids(session, model=model, since=since, until=result.window_end)
    else:  # the caller's papers (a digest's period), whatever their publication date
        candidate_ids = _ids_within(session, model=model, within=within)
    candidate_ids = [pid for pid in candidate_ids if pid not in acted]
    if not candidate_ids:
        result.explanation = (
            f"No papers listed or published in the {window_days} days up to "
            f"{result.last_day} that you have not voted on or collected."
            if result.last_day
            else "None of these papers is embedded yet, or you voted on or collected them all."
        )
        return result
    result.items = _ranked(
        session,
        user=user,
        acted=acted,
        profile=profile,
        candidates=_vectors(session, candidate_ids, model),
        model=model,
        limit=limit,
        now=now,
        params=params or ScoringParams(),
    )
    return result


def _ranked(
    session: Session,
    *,
    user: User,
    acted: dict[int, datetime],
    profile: dict[int, np.ndarray],
    candidates: dict[int, np.ndarray],
    model: str,
    limit: int,
    now: datetime,
    params: ScoringParams,
) -> list[Recommendation]:
    """The best `limit` candidates for this profile, each with the reason it was chosen."""
    cand_ids = list(candidates)
    profile_ids = list(profile)
    ages = np.array([(now - acted[pid]).total_seconds() / 86400 for pid in profile_ids])
    scored = score_candidates(
        np.stack([profile[pid] for pid in profile_ids]),
        decay_weights(ages, params.half_life_days),
        np.stack([candidates[pid] for pid in cand_ids]),
        negatives=_negatives(session, model=model, exclude=set(acted), seed=user.id),
        params=params,
    )
    order = np.argsort(-scored.scores, kind="stable")[: max(0, limit)]
    reasons = {
        pid: (key, title)
        for pid, key, title in session.execute(
            select(Paper.id, Paper.key, Paper.title).where(Paper.id.in_(profile_ids))
        )
    }
    cards = {card.paper_id: card for card in cards_by_id(session, [cand_ids[i] for i in order])}
    items = []
    for i in order:
        if cand_ids[i] not in cards:
            continue
        key, title = reasons[profile_ids[scored.because[i]]]
        similarity = float(scored.similarity[i])
        items.append(
            Recommendation(
                card=cards[cand_ids[i]],
                score=float(scored.scores[i]),
                because=Reason(key=key, title=title, similarity=similarity),
            )
        )
    return items
