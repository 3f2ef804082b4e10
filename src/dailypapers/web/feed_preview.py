"""A feed opened in a browser: a page that says what a feed is and gives its address to copy.

The visible RSS/Atom links on pages point here; the feed itself stays at its own URL
(`rel="alternate"` links in each page's head point straight at it, for feed readers).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from dailypapers.web.deps import absolute_base
from dailypapers.web.render import render

router = APIRouter(include_in_schema=False)
_FEED_PATH = re.compile(r"^/[^\s\\]*/feed\.(rss|atom)(\?[^\s\\]*)?$")


def feed_path(url: str) -> str:
    """A local feed path (`/…/feed.rss` or `.atom`, with its query); anything else is refused."""
    if url.startswith("//") or not _FEED_PATH.match(url):
        raise HTTPException(status_code=404, detail="That is not a feed of this site.")
    return url


@router.get("/feeds/preview", response_class=HTMLResponse)
def preview(request: Request, url: str = Query(..., max_length=1000)) -> HTMLResponse:
    path = feed_path(url)
    base_url = absolute_base(request)
    context = {
        "feed_url": base_url + path,
        "feed_path": path,
        "format": "Atom" if path.split("?")[0].endswith(".atom") else "RSS",
    }
    return render(request, "feed_preview.html", context)
