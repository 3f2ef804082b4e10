"""One paper: its page, JSON, Markdown and comments, the actions on it, and submissions."""

from __future__ import annotations

from fastapi import APIRouter

from dailypapers.web.paper import actions, api, comments_api, page, submit

router = APIRouter()
for part in (page, api, comments_api, actions, submit):
    router.include_router(part.router)
