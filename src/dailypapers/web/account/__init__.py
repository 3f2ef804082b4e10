"""A reader's account: sign-up, log-in, settings and API tokens, password reset, and the
email address's verification."""

from __future__ import annotations

from fastapi import APIRouter

from dailypapers.web.account import auth, password, verify

router = APIRouter()
for part in (auth, password, verify):
    router.include_router(part.router)
