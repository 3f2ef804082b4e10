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


class PageRefusal(Exception):
    """A form refused: answered with its page and the error, after the request's transaction
    rolls back (the exception passes through the session dependency, as HTTPException does)."""

    def __init__(self, template: str, context: dict[str, Any], *, status_code: int = 400) -> None:
        super().__init__(template)
        self.template = template
        self.context = context
        self.status_code = status_code


def render_refusal(request: Request, exc: PageRefusal) -> HTMLResponse:
    return render(request, exc.template, exc.context, status_code=exc.status_code)


def confirm_page(
    request: Request, *, question: str, detail: str, action: str, cancel: str
) -> HTMLResponse:
    """Ask before deleting: a page with the same form and `confirmed=1`, and a way back."""
    context = {"question": question, "detail": detail, "action": action, "cancel": cancel}
    return render(request, "confirm.html", context)
