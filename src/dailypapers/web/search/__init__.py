"""Search: the page, its JSON answer and its feed, all from `search.data.run_search`."""

from __future__ import annotations

from fastapi import APIRouter

from dailypapers.web.search import api, feed, page

router = APIRouter()
for part in (page, api, feed):
    router.include_router(part.router)
