"""`create_app(settings)`: the one application object that the CLI serves and tests build."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from dailypapers import __version__
from dailypapers.db.engine import make_engine, session_factory
from dailypapers.settings import Settings
from dailypapers.web import filters, pages

HERE = Path(__file__).parent


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="dailypapers", version=__version__)
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.sessions = session_factory(app.state.engine)
    templates = Jinja2Templates(directory=HERE / "templates")
    filters.install(templates.env)
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    return app
