"""Rendering a page: the template, its context, and who is looking.

Routes receive a `Page` (`web.deps.PageDep`): the request and its viewer, which the header
shows. Nothing is kept on the request for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking, as pages show it: a copy that outlives the request's session."""

    id: int
    username: str
    email: str
    role: str
    verified: bool = True  # the email address was confirmed

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class Page:
    """Renders this request's templates for its viewer (`web.deps.PageDep`)."""

    request: Request
    viewer: Viewer | None

    def __call__(
        self, template: str, context: dict[str, Any], *, status_code: int = 200
    ) -> HTMLResponse:
        return render(self.request, template, context, status_code=status_code, viewer=self.viewer)


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    viewer: Viewer | None = None,
) -> HTMLResponse:
    templates = request.app.state.templates
    context.setdefault("user", viewer)
    context.setdefault("settings", request.app.state.settings)
    response: HTMLResponse = templates.TemplateResponse(
        request, template, context, status_code=status_code
    )
    return response


class PageRefusal(Exception):
    """A form refused: answered with its page and the error, after the request's transaction
    rolls back (the exception passes through the session dependency, as HTTPException does)."""

    def __init__(
        self, page: Page, template: str, context: dict[str, Any], *, status_code: int = 400
    ) -> None:
        super().__init__(template)
        self.page = page
        self.template = template
        self.context = context
        self.status_code = status_code


def render_refusal(request: Request, exc: PageRefusal) -> HTMLResponse:
    return exc.page(exc.template, exc.context, status_code=exc.status_code)


def confirm_page(
    page: Page, *, question: str, detail: str, action: str, cancel: str
) -> HTMLResponse:
    """Ask before deleting: a page with the same form and `confirmed=1`, and a way back."""
    context = {"question": question, "detail": detail, "action": action, "cancel": cancel}
    return page("confirm.html", context)
