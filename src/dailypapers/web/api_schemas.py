"""What crosses the JSON API: the shapes of Hugging Face's paper API, plus our own fields.

The `huggingface_hub` client parses these (its `PaperInfo`, `PaperAuthor`, `User` and
`Organization` classes), so names follow Hugging Face: camelCase, with `ai_summary` and
`ai_keywords` in snake case. Timestamps are `YYYY-MM-DDTHH:MM:SS.fffZ`, the one form the
client's `parse_datetime` accepts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Depends
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, TypeAdapter, WithJsonSchema

from dailypapers.community.comments import MAX_LENGTH as COMMENT_MAX_LENGTH
from dailypapers.papers.listings import Listing, Submitter
from dailypapers.papers.models import Organization, Paper
from dailypapers.web.kept_answers import Rendered


def hf_timestamp(value: datetime) -> str:
    """`2026-02-19T00:00:00.000Z`: UTC, milliseconds, a literal Z."""
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


Timestamp = Annotated[
    datetime,
    PlainSerializer(hf_timestamp, return_type=str),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "examples": ["2026-02-19T00:00:00.000Z"]}
    ),
]


class UserOut(BaseModel):
    """A user as Hugging Face writes one: the client reads `user`, the site shows `name`."""

    user: str = Field(description="Username (what the client reads as `username`).")
    name: str = Field(description="Username again, as Hugging Face sends it.")
    fullname: str
    avatarUrl: str | None = None
    type: Literal["user"] = "user"
    isPro: bool = False


class OrganizationOut(BaseModel):
    name: str
    fullname: str
    avatar: str | None = Field(description="Avatar URL, as Hugging Face's paper API names it.")
    avatarUrl: str | None = Field(description="The same URL, as the client reads it.")


class AuthorOut(BaseModel):
    name: str
    hidden: bool = False


class PaperOut(BaseModel):
    """A paper: the answer of `GET /api/papers/{id}` and the `paper` of a list item."""

    id: str = Field(description="The arXiv id, or `dp-...` for a paper without one.")
    title: str
    summary: str = Field(description="The abstract.")
    authors: list[AuthorOut]
    numAuthors: int | None = Field(description="How many authors, when their names are unknown.")
    publishedAt: Timestamp | None = Field(description="When the paper was published.")
    updatedAt: Timestamp | None
    submittedOnDailyAt: Timestamp | None = Field(description="When it was first listed.")
    submittedOnDailyBy: UserOut | None
    upvotes: int
    numComments: int
    ai_summary: str | None
    ai_keywords: list[str] | None
    organization: OrganizationOut | None
    githubRepo: str | None
    githubStars: int | None
    projectPage: str | None
    categories: list[str]
    arxivUrl: str | None
    pdfUrl: str | None
    url: str = Field(description="The paper's page on this site.")
    thumbnail: str | None = Field(
        description="An image of the paper: the source's (Hugging Face's media), else its "
        "first page as rendered here; absent until the thumbnails job has run."
    )


class PaperListItem(BaseModel):
    """One item of `GET /api/daily_papers` and `GET /api/papers/search`.

    The paper is nested under `paper`; the client reads the title, the listing time, the
    comment count, the submitter and the AI and code fields from the top level only.
    """

    paper: PaperOut
    title: str
    summary: str
    publishedAt: Timestamp | None = Field(
        description="When the paper was put on the list (the client's `submitted_at`)."
    )
    submittedOnDailyAt: Timestamp | None = Field(
        description="The same time again: the client falls back to it when a paper has no "
        "publication time and the top-level `publishedAt` was taken for one."
    )
    numComments: int
    upvotes: int
    submittedBy: UserOut | None
    organization: OrganizationOut | None
    isAuthorParticipating: bool = False
    ai_summary: str | None
    ai_keywords: list[str] | None
    githubRepo: str | None
    githubStars: int | None
    projectPage: str | None
    thumbnail: str | None = Field(description="As the paper's `thumbnail` (Hugging Face's place).")


class ErrorOut(BaseModel):
    error: str


class VoteOut(BaseModel):
    id: str
    upvoted: bool = Field(description="Whether the token's user now upvotes the paper.")
    upvotes: int


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a mistake: 422 names it

    arxiv: str = Field(
        max_length=300, description="An arXiv id or URL, e.g. 2502.12345 or arxiv.org/abs/..."
    )


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(
        max_length=COMMENT_MAX_LENGTH, description="Plain text, not blank; links become clickable."
    )


class CommentOut(BaseModel):
    id: int
    paper: str
    body: str
    author: UserOut
    createdAt: Timestamp
    editedAt: Timestamp | None


PAPER_LIST = TypeAdapter(list[PaperListItem])


def user_out(submitter: Submitter | None) -> UserOut | None:
    if submitter is None:
        return None
    name = submitter.username
    return UserOut(user=name, name=name, fullname=submitter.fullname or name)


def organization_out(org: Organization | None) -> OrganizationOut | None:
    if org is None:
        return None
    return OrganizationOut(
        name=org.name, fullname=org.full_name, avatar=org.avatar_url, avatarUrl=org.avatar_url
    )


def paper_out(listing: Listing, base_url: str) -> PaperOut:
    card, paper = listing.card, listing.paper
    return PaperOut(
        id=paper.key,
        title=paper.title,
        summary=paper.abstract,
        authors=[AuthorOut(name=name) for name in card.authors],
        numAuthors=paper.num_authors,
        publishedAt=paper.published_at,
        updatedAt=paper.updated_at,
        submittedOnDailyAt=listing.submitted_at,
        submittedOnDailyBy=user_out(listing.submitter),
        upvotes=card.upvotes,
        numComments=card.num_comments,
        ai_summary=paper.ai_summary,
        ai_keywords=paper.ai_keywords,
        organization=organization_out(paper.organization),
        githubRepo=paper.code_url,
        githubStars=paper.github_stars,
        projectPage=paper.project_url,
        categories=list(paper.categories or []),
        arxivUrl=_arxiv_url(paper),
        pdfUrl=_pdf_url(paper),
        url=f"{base_url.rstrip('/')}/papers/{paper.key}",
        thumbnail=_absolute(card.thumbnail_url, base_url),
    )


def _absolute(url: str | None, base_url: str) -> str | None:
    """A site path (`/thumbnails/...`) as a full address; other addresses as they are."""
    return f"{base_url.rstrip('/')}{url}" if url and url.startswith("/") else url


def _arxiv_url(paper: Paper) -> str | None:
    if paper.arxiv_url:
        return paper.arxiv_url
    return f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None


def _pdf_url(paper: Paper) -> str | None:
    if paper.pdf_url:
        return paper.pdf_url
    return f"https://arxiv.org/pdf/{paper.arxiv_id}" if paper.arxiv_id else None


def list_item(listing: Listing, base_url: str) -> PaperListItem:
    paper = paper_out(listing, base_url)
    return PaperListItem(
        paper=paper,
        title=paper.title,
        summary=paper.summary,
        publishedAt=listing.submitted_at,
        submittedOnDailyAt=listing.submitted_at,
        numComments=paper.numComments,
        upvotes=paper.upvotes,
        submittedBy=paper.submittedOnDailyBy,
        organization=paper.organization,
        ai_summary=paper.ai_summary,
        ai_keywords=paper.ai_keywords,
        githubRepo=paper.githubRepo,
        githubStars=paper.githubStars,
        projectPage=paper.projectPage,
        thumbnail=paper.thumbnail,
    )


JSON = "application/json"
# Documents the Bearer scheme of the write routes (ApiWriter reads the header itself).
BEARER = [Depends(HTTPBearer(auto_error=False, description="A personal API token (dp_...)."))]
API_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorOut, "description": "A parameter is invalid."},
    404: {"model": ErrorOut, "description": "No such paper."},
}
WRITE_ERRORS: dict[int | str, dict[str, object]] = {
    **API_ERRORS,
    401: {"model": ErrorOut, "description": "No valid personal API token."},
    429: {"model": ErrorOut, "description": "Too many writes; see Retry-After."},
}


def json_list(
    found: list[Listing], base_url: str, headers: dict[str, str] | None = None
) -> Rendered:
    """A list of papers as the API answers it (`Rendered`: to cache and serve)."""
    body = PAPER_LIST.dump_json([list_item(item, base_url) for item in found])
    return Rendered(body, JSON, tuple((headers or {}).items()))
