"""Rendering a page: the template, its context, and who is looking."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    templates = request.app.state.templates
    context.setdefault("user", getattr(request.state, "viewer", None))
    context.setdefault("settings", request.app.state.settings)
    response: HTMLResponse = templates.TemplateResponse(
        request, template, context, status_code=status_code
    )
    return response
