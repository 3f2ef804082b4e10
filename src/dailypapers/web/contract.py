"""The API's contract: /openapi.json says exactly which requests are accepted.

FastAPI writes the schema from the routes; what it cannot know is added here, so that a
client (or `schemathesis run --checks all`, see `make fuzz`) can tell a valid request from
one the server refuses:
- days, weeks and months carry patterns matching exactly the calendar's values;
- `date`, `week` and `month` of GET /api/daily_papers are one exploded query object with at
  most one property (they exclude each other);
- paper ids carry the arXiv / `dp-...` pattern, searches the "has a letter or digit" rule,
  submissions the arXiv reference pattern, comments "not blank";
- every other free string says it holds no NUL character (the input guard refuses one).
A 405 names every method of the path in `Allow` (Starlette names only the first route's).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import FastAPI, Request
from starlette.routing import BaseRoute, Match

from dailypapers.ingest.records import ARXIV_ID
from dailypapers.ingest.submit import ARXIV_REF_PATTERN
from dailypapers.papers.period_patterns import DAY_PATTERN, MONTH_PATTERN, WEEK_PATTERN

NO_NUL = "^[^\\x00]*$"
PAPER_KEY = f"^(?:{ARXIV_ID.pattern[1:-1]}|dp-[0-9a-f]{{12}})$"
# Empty (the latest list), or holding a character that is neither white space nor ASCII
# punctuation. (The server's rule is "a Unicode letter or digit", which a portable JSON-Schema
# pattern cannot say: `\w` is ASCII in ECMA regexes; a query of other symbols only, like `©`,
# is accepted and matches nothing.)
SEARCH = "^(?:\\s*|[^\\x00]*[^\\s\\x00!-/:-@\\[-`{-~][^\\x00]*)$"
NOT_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
PARAMETER_PATTERNS = {"day": DAY_PATTERN, "week": WEEK_PATTERN, "month": MONTH_PATTERN}
PARAMETER_PATTERNS |= {"key": PAPER_KEY, "q": SEARCH}
BODY_PATTERNS = {("SubmitIn", "arxiv"): ARXIV_REF_PATTERN, ("CommentIn", "body"): NOT_BLANK}
PERIOD = {
    "name": "period",
    "in": "query",
    "style": "form",
    "explode": True,
    "required": False,
    "description": "At most one of `date` (YYYY-MM-DD), `week` (YYYY-Www) and `month` "
    "(YYYY-MM); none: the latest listed day. Two or more, or a value not in the calendar: 400.",
    "schema": {
        "type": "object",
        "properties": {
            "date": {"type": "string", "pattern": DAY_PATTERN},
            "week": {"type": "string", "pattern": WEEK_PATTERN},
            "month": {"type": "string", "pattern": MONTH_PATTERN},
        },
        "additionalProperties": False,
        "maxProperties": 1,
    },
}


def describe(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to a FastAPI-written schema what its routes accept beyond their types."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if (method, path) == ("get", "/api/daily_papers"):
                _period_object(operation)
            for parameter in operation.get("parameters", []):
                pattern = PARAMETER_PATTERNS.get(parameter["name"], NO_NUL)
                _with_pattern(parameter.get("schema", {}), pattern)
    for name, model in schema.get("components", {}).get("schemas", {}).items():
        for field, prop in model.get("properties", {}).items():
            _with_pattern(prop, BODY_PATTERNS.get((name, field), NO_NUL))
    return schema


def _period_object(operation: dict[str, Any]) -> None:
    kept = [p for p in operation["parameters"] if p["name"] not in ("date", "week", "month")]
    operation["parameters"] = [PERIOD, *kept]


def _with_pattern(node: dict[str, Any], pattern: str) -> None:
    """A pattern on a free string (in `anyOf` too); enums, formats and patterns stay."""
    for option in node.get("anyOf", [node]):
        free = not {"enum", "const", "pattern", "format"} & option.keys()
        if option.get("type") == "string" and free:
            option["pattern"] = pattern


def allowed_methods(app: FastAPI, request: Request) -> str:
    """Every method some route of this path answers (HEAD with GET), for a 405's `Allow`."""
    methods: set[str] = set()
    for route in app_routes(app.router.routes):
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


def app_routes(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """The routes of the app, those of included routers too (none has a prefix here)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from app_routes(inner.routes)
        else:
            yield route
