"""The JSON API: Hugging Face's paper endpoints (for `huggingface_hub`), and our writes.

Reads are public and cached per query and the versions they show (see `web/cache.py`; a vote
makes only the answers about its paper, its days and searches stale); a Bearer token on a
read is ignored, since the client forwards its user's Hugging Face token. Writes take a
personal API token created in the settings page (`Authorization: Bearer dp_...`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date as Date
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.security import HTTPBearer
from sqlalchemy.orm import Session

from dailypapers.changes.version import SHOWN_VOTES, paper_votes, period_votes
from dailypapers.community.comments import CommentError, add_comment
from dailypapers.community.votes import toggle_upvote
from dailypapers.ingest.submit import SubmissionError, submit_paper
from dailypapers.papers.listings import Listing, listings
from dailypapers.papers.periods import Period, PeriodError, parse_period
from dailypapers.papers.queries import Sort, paper_detail, period_list
from dailypapers.web.api_schemas import (
    PAPER_LIST,
    CommentIn,
    CommentOut,
    ErrorOut,
    PaperListItem,
    PaperOut,
    SubmitIn,
    UserOut,
    VoteOut,
    list_item,
    paper_out,
)
from dailypapers.web.cache import Rendered, serve_cached
from dailypapers.web.deps import ApiWriter, EmbedderDep, SessionDep, SettingsDep, absolute_base
from dailypapers.web.fetch import arxiv_fetcher
from dailypapers.web.lookup import paper_or_404
from dailypapers.web.markdown import paper_markdown
from dailypapers.web.ratelimit import enforce
from dailypapers.web.search_results import require_words, search_cards

router = APIRouter(tags=["papers"])
# Documents the Bearer scheme of the write routes (ApiWriter reads the header itself).
_BEARER = [Depends(HTTPBearer(auto_error=False, description="A personal API token (dp_...)."))]
TRENDING_TTL = 60.0  # seconds a trending answer is reused: scores also move with the clock
JSON = "application/json"
ApiSort = Literal["publishedAt", "trending"]
SearchMode = Literal["hybrid", "keyword", "semantic"]
SORTS: dict[str, Sort] = {"publishedAt": "published", "trending": "trending"}
_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorOut, "description": "A parameter is invalid."},
    404: {"model": ErrorOut, "description": "No such paper."},
}
_WRITE_ERRORS: dict[int | str, dict[str, object]] = {
    **_ERRORS,
    401: {"model": ErrorOut, "description": "No valid personal API token."},
    429: {"model": ErrorOut, "description": "Too many writes; see Retry-After."},
}


def requested_period(day: str | None, week: str | None, month: str | None) -> Period | None:
    """The one period asked for (None: the latest listed day); 400 names a bad value."""
    given = [
        (kind, text)
        for kind, text in (("day", day), ("week", week), ("month", month))
        if text is not None  # an empty `date=` is a bad day, as the schema's pattern says
    ]
    if len(given) > 1:
        raise HTTPException(400, "Give only one of date, week and month.")
    if not given:
        return None
    kind, text = given[0]
    try:
        return parse_period(kind, text)  # type: ignore[arg-type]
    except PeriodError as exc:
        raise HTTPException(400, str(exc)) from None


def _base_url(request: Request) -> str:
    return absolute_base(request)


@router.get(
    "/api/daily_papers",
    response_model=list[PaperListItem],
    responses=_ERRORS,
    summary="Papers listed on a day, in a week or in a month",
)
async def daily_papers(
    request: Request,
    date: str | None = Query(None, description="A day, YYYY-MM-DD (default: the latest)."),
    week: str | None = Query(None, description="An ISO week, YYYY-Www."),
    month: str | None = Query(None, description="A month, YYYY-MM."),
    submitter: str | None = Query(None, max_length=200, description="Only this submitter's."),
    sort: ApiSort = Query("publishedAt", description="Newest first, or by trending score."),
    p: int = Query(0, ge=0, le=10_000, description="Page number, from 0."),
    limit: int = Query(50, ge=1, le=100, description="Papers per page."),
) -> Response:
    period = requested_period(date, week, month)
    base_url = _base_url(request)
    key = ("daily", period.label if period else None, submitter, sort, p, limit, base_url)

    def render(session: Session) -> Rendered:
        listing = period_list(
            session,
            period=period,
            sort=SORTS[sort],
            submitter=submitter,
            page=p + 1,
            per_page=limit,
        )
        found = listings(session, cards=listing.cards, period=listing.period)
        return _json_list(found, base_url)

    ttl = TRENDING_TTL if sort == "trending" else None
    return await serve_cached(request, key, render, ttl=ttl, votes=period_votes(period))


def _json_list(
    found: list[Listing], base_url: str, headers: dict[str, str] | None = None
) -> Rendered:
    body = PAPER_LIST.dump_json([list_item(item, base_url) for item in found])
    return Rendered(body, JSON, tuple((headers or {}).items()))


@router.get(
    "/api/papers/search",
    response_model=list[PaperListItem],
    responses={**_ERRORS, 429: {"model": ErrorOut, "description": "Too many searches."}},
    summary="Search papers",
    description="The header `X-Search-Mode` tells which mode ran: `hybrid` falls back to "
    "`keyword` when the embedding model is unavailable or no paper has a vector. "
    "`X-Total-Count` says how many papers hold every word (`X-Total-Exact: false`: at least "
    "that many). An arXiv id or URL, a Hugging Face paper URL or a DOI puts that paper first.",
)
async def search(
    request: Request,
    embedder: EmbedderDep,
    q: str = Query("", max_length=500, description="Words to look for; empty: the latest list."),
    limit: int = Query(50, ge=1, le=100, description="At most this many papers."),
    mode: SearchMode = Query("hybrid", description="Keyword (BM25), semantic, or both fused."),
) -> Response:
    enforce(request, "search")
    query = " ".join(q.split())
    require_words(query)
    base_url = _base_url(request)

    def render(session: Session) -> Rendered:
        found = search_cards(session, query=query, limit=limit, mode=mode, embedder=embedder)
        items = listings(session, cards=found.cards, period=found.period)
        headers: dict[str, str] = {"X-Search-Mode": found.mode or ""}
        if found.total is not None:
            headers["X-Total-Count"] = str(found.total)
            headers["X-Total-Exact"] = "true" if found.total_exact else "false"
        shows = tuple(item.card.key for item in items)
        return replace(_json_list(items, base_url, headers=headers), shows=shows)

    # Ranked by relevance, not votes: only a vote on a paper it shows makes it stale (an
    # empty query is the latest list, by votes).
    votes = SHOWN_VOTES if query else period_votes(None)
    key = ("search", query, limit, mode, base_url)
    return await serve_cached(request, key, render, votes=votes)


@router.get(
    "/api/papers/{key}",
    response_model=PaperOut,
    responses=_ERRORS,
    summary="One paper",
)
async def paper(request: Request, key: str) -> Response:
    base_url = _base_url(request)

    def render(session: Session) -> Rendered:
        return Rendered(paper_out(_one(session, key), base_url).model_dump_json().encode(), JSON)

    return await serve_cached(request, ("paper", key, base_url), render, votes=paper_votes(key))


def _one(session: Session, key: str) -> Listing:
    detail = paper_detail(session, key=key)
    if detail is None:
        raise HTTPException(404, f"No paper with id {key!r}.")
    return listings(session, cards=[detail.card])[0]


@router.get(
    "/papers/{key}.md",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}}}, 404: {"model": ErrorOut}},
    summary="One paper as Markdown (what `read_paper` fetches)",
)
async def paper_as_markdown(request: Request, key: str) -> Response:
    base_url = _base_url(request)

    def render(session: Session) -> Rendered:
        text = paper_markdown(_one(session, key), base_url)
        return Rendered(text.encode(), "text/markdown; charset=utf-8")

    return await serve_cached(request, ("markdown", key, base_url), render, votes=paper_votes(key))


@router.post(
    "/api/papers/{key}/upvote",
    response_model=VoteOut,
    responses=_WRITE_ERRORS,
    summary="Toggle the token user's upvote",
    dependencies=_BEARER,
)
def upvote(request: Request, key: str, session: SessionDep, user: ApiWriter) -> VoteOut:
    enforce(request, "vote", client=f"user:{user.id}")
    state = toggle_upvote(session, user=user, paper=paper_or_404(session, key))
    return VoteOut(id=key, upvoted=state.voted, upvotes=state.upvotes)


@router.post(
    "/api/daily_papers",
    response_model=PaperListItem,
    status_code=201,
    responses={
        **_WRITE_ERRORS,
        404: {"model": ErrorOut, "description": "arXiv has no such paper."},
        503: {"model": ErrorOut, "description": "arXiv could not be reached; see Retry-After."},
    },
    summary="Submit an arXiv paper to today's list",
    dependencies=_BEARER,
)
def submit(
    request: Request, body: SubmitIn, session: SessionDep, settings: SettingsDep, user: ApiWriter
) -> PaperListItem:
    enforce(request, "submit", client=f"user:{user.id}")
    try:
        done = submit_paper(
            session,
            user=user,
            arxiv_ref=body.arxiv,
            today=Date.today(),
            fetch=arxiv_fetcher(settings),
            max_per_day=settings.max_submissions_per_day,
        )
    except SubmissionError as exc:
        retry = {"Retry-After": "60"} if exc.status == 503 else None
        raise HTTPException(exc.status, str(exc), headers=retry) from None
    return list_item(_one(session, done.paper.key), _base_url(request))


@router.post(
    "/api/papers/{key}/comments",
    response_model=CommentOut,
    status_code=201,
    responses=_WRITE_ERRORS,
    summary="Comment on a paper",
    dependencies=_BEARER,
)
def comment(
    request: Request, key: str, body: CommentIn, session: SessionDep, user: ApiWriter
) -> CommentOut:
    enforce(request, "comment", client=f"user:{user.id}")
    try:
        made = add_comment(session, user=user, paper=paper_or_404(session, key), body=body.body)
    except CommentError as exc:
        raise HTTPException(400, str(exc)) from None
    author = UserOut(user=user.username, name=user.username, fullname=user.fullname or "")
    return CommentOut(
        id=made.id,
        paper=key,
        body=made.body,
        author=author,
        createdAt=made.created_at,
        editedAt=made.edited_at,
    )
