"""`/thumbnails/{key}.webp`: rendered first pages, from DATA_DIR, cached by browsers for a year.

A file never changes under its key (a key names one PDF's rendering), so it is `immutable`.
The key is checked against its pattern before it names a file: nothing else from the
request reaches the disk.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response

from dailypapers.thumbnails.store import path_for, thumbnail_dir
from dailypapers.web.deps import SettingsDep

router = APIRouter(include_in_schema=False)

CACHE_CONTROL = "public, max-age=31536000, immutable"


@router.get("/thumbnails/{key}.webp")
def thumbnail(key: str, settings: SettingsDep) -> Response:
    path = path_for(thumbnail_dir(settings), key)
    if path is None or not path.is_file():
        return JSONResponse({"error": "no such thumbnail"}, status_code=404)
    return FileResponse(path, media_type="image/webp", headers={"Cache-Control": CACHE_CONTROL})
