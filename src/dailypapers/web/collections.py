"""Collections on the site: manage your own, add and remove from a paper page, public pages."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dailypapers.community.collections import (
    CollectionError,
    CollectionView,
    add_to_collection,
    collection_view,
    create_collection,
    delete_collection,
    remove_from_collection,
    set_item_note,
    set_visibility,
    user_collections,
)
from dailypapers.community.votes import voted_keys
from dailypapers.papers.listings import listings
from dailypapers.web.account.auth import safe_next
from dailypapers.web.deps import (
    MAX_ROW_ID,
    CurrentUser,
    PageDep,
    RequiredUser,
    RowId,
    SessionDep,
    absolute_base,
)
from dailypapers.web.feeds import FeedContent, render_feed
from dailypapers.web.private import mark_private
from dailypapers.web.ratelimit import enforce
from dailypapers.web.render import confirm_page
from dailypapers.web.security import verify_csrf
from dailypapers.web.shared import paper_or_404

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _refused(exc: CollectionError) -> HTTPException:
    return HTTPException(status_code=400, detail=str(exc))


@router.get("/collections", response_class=HTMLResponse)
def mine(page: PageDep, session: SessionDep, user: RequiredUser) -> HTMLResponse:
    return page("collections.html", {"collections": user_collections(session, user=user)})


@router.post("/collections")
def create(
    request: Request,
    session: SessionDep,
    user: RequiredUser,
    name: str = Form(..., max_length=200),
    public: str = Form(""),
    paper: str = Form(""),
) -> Response:
    enforce(request, "collection", client=f"user:{user.id}")
    try:
        collection = create_collection(session, user=user, name=name, is_public=public == "1")
        if paper:
            add_to_collection(
                session, user=user, collection_id=collection.id, paper=paper_or_404(session, paper)
            )
    except CollectionError as exc:
        raise _refused(exc) from None
    target = (
        _saved(paper, collection.id)
        if paper
        else f"/users/{quote(user.username, safe='')}/collections/{collection.slug}"
    )
    return RedirectResponse(target, status_code=303)


def _saved(paper: str, collection_id: int) -> str:
    """Back to the paper, which says "Saved to '<collection>'"."""
    return f"/papers/{quote(paper, safe='')}?saved={collection_id}#collect"


@router.post("/collections/add")
def add(
    session: SessionDep,
    user: RequiredUser,
    collection_id: int = Form(..., alias="collection", ge=1, le=MAX_ROW_ID),
    paper: str = Form(..., max_length=64),
    note: str = Form("", max_length=2000),
) -> Response:
    try:
        add_to_collection(
            session,
            user=user,
            collection_id=collection_id,
            paper=paper_or_404(session, paper),
            note=note,
        )
    except CollectionError as exc:
        raise _refused(exc) from None
    return RedirectResponse(_saved(paper, collection_id), status_code=303)


@router.post("/collections/{collection_id}/items/note")
def note(
    collection_id: RowId,
    session: SessionDep,
    user: RequiredUser,
    paper: str = Form(..., max_length=64),
    note: str = Form("", max_length=2000),
    back: str = Form(""),
) -> Response:
    """Edit the note on an item, from the collection page."""
    try:
        set_item_note(
            session,
            user=user,
            collection_id=collection_id,
            paper=paper_or_404(session, paper),
            note=note,
        )
    except CollectionError as exc:
        raise _refused(exc) from None
    return RedirectResponse(safe_next(back) if back else "/collections", status_code=303)


@router.post("/collections/{collection_id}/items/remove")
def remove(
    collection_id: RowId,
    session: SessionDep,
    user: RequiredUser,
    paper: str = Form(..., max_length=64),
    back: str = Form(""),
) -> Response:
    try:
        remove_from_collection(  # a paper hidden since it was added can still be taken out
            session,
            user=user,
            collection_id=collection_id,
            paper=paper_or_404(session, paper, include_hidden=True),
        )
    except CollectionError as exc:
        raise _refused(exc) from None
    return RedirectResponse(
        back if back.startswith("/") and not back.startswith("//") else f"/papers/{paper}",
        status_code=303,
    )


@router.post("/collections/{collection_id}/visibility")
def visibility(
    collection_id: RowId, session: SessionDep, user: RequiredUser, public: str = Form("")
) -> Response:
    try:
        set_visibility(session, user=user, collection_id=collection_id, is_public=public == "1")
    except CollectionError as exc:
        raise _refused(exc) from None
    return RedirectResponse("/collections", status_code=303)


@router.post("/collections/{collection_id}/delete")
def delete(
    page: PageDep,
    collection_id: RowId,
    session: SessionDep,
    user: RequiredUser,
    confirmed: str = Form(""),
) -> Response:
    """Delete a collection once confirmed (a dialog, or a confirmation page without JS)."""
    if confirmed != "1":
        return confirm_page(
            page,
            question="Delete this collection?",
            detail="The collection and its notes are removed; the papers stay on the site.",
            action=f"/collections/{collection_id}/delete",
            cancel="/collections",
        )
    try:
        delete_collection(session, user=user, collection_id=collection_id)
    except CollectionError as exc:
        raise _refused(exc) from None
    return RedirectResponse("/collections", status_code=303)


def _view(
    request: Request, session: SessionDep, username: str, slug: str, user: CurrentUser
) -> CollectionView:
    view = collection_view(session, username=username, slug=slug, viewer=user)
    if view is None:
        raise HTTPException(status_code=404, detail="No such collection (or it is private).")
    if not view.collection.is_public:
        mark_private(request)  # its owner's eyes only: no shared cache keeps it
    return view


@router.get("/users/{username}/collections/{slug}.json")
def as_json(
    request: Request, username: str, slug: str, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    view = _view(request, session, username, slug, user)
    return JSONResponse(collection_json(view))


@router.get("/users/{username}/collections/{slug:slug}", response_class=HTMLResponse)
def collection_page(
    page: PageDep, username: str, slug: str, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    view = _view(page.request, session, username, slug, user)
    keys = [item.card.key for item in view.items]
    voted = voted_keys(session, user=user, keys=keys)
    return page("collection.html", {"view": view, "voted": voted})


@router.get("/users/{username}/collections/{slug}/feed.{fmt}")
def feed(
    request: Request, username: str, slug: str, fmt: Literal["rss", "atom"], session: SessionDep
) -> Response:
    """A public collection's RSS or Atom feed (not cached: collections change on their own)."""
    view = _view(request, session, username, slug, None)
    page = f"/users/{quote(view.owner.username, safe='')}/collections/{view.collection.slug}"
    content = FeedContent(
        title=f"{view.collection.name} (a collection by {view.owner.username})",
        page=page,
        listed=listings(session, cards=[item.card for item in view.items]),
        updated=view.collection.created_at,
    )
    base_url = absolute_base(request)
    rendered = render_feed(content, fmt, base_url, request.url.path)
    return Response(rendered.body, media_type=rendered.media_type)


def collection_json(view: CollectionView) -> dict[str, object]:
    return {
        "name": view.collection.name,
        "slug": view.collection.slug,
        "owner": view.owner.username,
        "public": view.collection.is_public,
        "items": [
            {
                "id": item.card.key,
                "title": item.card.title,
                "note": item.note,
                "upvotes": item.card.upvotes,
                "publishedAt": item.card.published_at.isoformat()
                if item.card.published_at
                else None,
            }
            for item in view.items
        ],
    }
