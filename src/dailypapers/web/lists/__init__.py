"""Lists of papers: the latest day, a day, a week, a month, trending (page, JSON, feeds)."""

from __future__ import annotations

from fastapi import APIRouter

from dailypapers.web.lists import api, feeds, pages

router = APIRouter()
for part in (pages, api, feeds):
    router.include_router(part.router)
