"""A PDF's first page as a small WebP image, rendered with PDFium (pypdfium2)."""

from __future__ import annotations

import io
import threading

import pypdfium2 as pdfium
from PIL import Image

WIDTH = 240  # pixels; cards show it at 120 CSS pixels, so it is sharp on 2x screens
MAX_RATIO = 1.5  # a page taller than this (height / width) is cut at the bottom
QUALITY = 60
_lock = threading.Lock()  # PDFium is not thread-safe


class RenderError(ValueError):
    """The bytes are not a PDF that PDFium can render."""


def render_first_page(pdf: bytes, *, width: int = WIDTH) -> bytes:
    """The first page, `width` pixels wide (the height follows the page), as WebP bytes."""
    with _lock:
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as exc:
            raise RenderError(f"not a readable PDF ({exc})") from exc
        try:
            if len(document) == 0:
                raise RenderError("the PDF has no pages")
            page = document[0]
            scale = width / page.get_width()
            image = page.render(scale=scale, may_draw_forms=False).to_pil()
            page.close()
        finally:
            document.close()
    return _encode(image, width)


def _encode(image: Image.Image, width: int) -> bytes:
    image = image.convert("RGB")
    if image.width != width:  # rounding of the scale
        image = image.resize((width, round(image.height * width / image.width)))
    image = image.crop((0, 0, width, min(image.height, round(width * MAX_RATIO))))
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=QUALITY, method=6)
    return out.getvalue()
