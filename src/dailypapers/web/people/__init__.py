"""People: organizations, authors and users (pages; feeds of organizations and authors)."""

from __future__ import annotations

from fastapi import APIRouter

from dailypapers.web.people import feeds, pages

router = APIRouter()
for part in (pages, feeds):
    router.include_router(part.router)
