"""The "For you" page and its API twin: recent papers ranked for the signed-in reader."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field

from dailypapers.community.votes import voted_keys
from dailypapers.recommend.service import MIN_PAPERS, ForYou, for_you
from dailypapers.web.api_schemas import ErrorOut
from dailypapers.web.deps import ApiWriter, PageDep, RequiredUser, SessionDep, SettingsDep

router = APIRouter()
_BEARER = [Depends(HTTPBearer(auto_error=False, description="A personal API token (dp_...)."))]
PAGE_SIZE = 30


class SimilarToOut(BaseModel):
    id: str = Field(description="arXiv id of the reader's paper this one is most similar to.")
    title: str
    similarity: float = Field(description="Cosine similarity of the two papers' embeddings.")


class ForYouItemOut(BaseModel):
    id: str = Field(description="arXiv id.")
    title: str
    publishedAt: str | None = None
    ai_summary: str | None = None
    ai_keywords: list[str] | None = None
    score: float = Field(description="Ranking score; higher is better, comparable within a list.")
    why: str = Field(description='Why it was chosen, e.g. "similar to <title>".')
    similarTo: SimilarToOut


class ForYouOut(BaseModel):
    profileSize: int = Field(description="Papers the user upvoted or collected.")
    minimumProfile: int = Field(description="Papers needed before recommending.")
    windowDays: int = Field(description="How far back (days) papers are considered.")
    windowEnd: str | None = Field(
        None, description="The window's last day: today, or the latest listed day if older."
    )
    explanation: str | None = Field(description="Why the list is empty, when it is.")
    items: list[ForYouItemOut]


def _out(result: ForYou) -> ForYouOut:
    return ForYouOut(
        profileSize=result.profile_size,
        minimumProfile=MIN_PAPERS,
        windowDays=result.window_days,
        windowEnd=result.last_day.isoformat() if result.last_day else None,
        explanation=result.explanation,
        items=[
            ForYouItemOut(
                id=r.card.key,
                title=r.card.title,
                publishedAt=r.card.published_at.isoformat() if r.card.published_at else None,
                ai_summary=r.card.ai_summary,
                ai_keywords=r.card.ai_keywords,
                score=round(r.score, 6),
                why=r.why,
                similarTo=SimilarToOut(
                    id=r.because.key,
                    title=r.because.title,
                    similarity=round(r.because.similarity, 6),
                ),
            )
            for r in result.items
        ],
    )


@router.get("/for-you", response_class=HTMLResponse, include_in_schema=False)
def for_you_page(
    page: PageDep, session: SessionDep, settings: SettingsDep, user: RequiredUser
) -> HTMLResponse:
    result = for_you(session, user=user, limit=PAGE_SIZE, window_days=settings.for_you_window_days)
    voted = voted_keys(session, user=user, keys=[r.card.key for r in result.items])
    return page("for_you.html", {"result": result, "voted": voted})


@router.get(
    "/api/for-you",
    response_model=ForYouOut,
    tags=["papers"],
    summary="Recent papers recommended for the token's user",
    dependencies=_BEARER,
    responses={401: {"model": ErrorOut, "description": "No valid personal API token."}},
)
def api(
    session: SessionDep,
    settings: SettingsDep,
    user: ApiWriter,
    limit: int = Query(20, ge=1, le=100, description="How many papers."),
) -> ForYouOut:
    """Papers of the last `DAILYPAPERS_FOR_YOU_WINDOW_DAYS` days, ranked by similarity to the
    user's upvoted and collected papers (at least 3 needed; otherwise `explanation` says so)."""
    result = for_you(session, user=user, limit=limit, window_days=settings.for_you_window_days)
    return _out(result)
