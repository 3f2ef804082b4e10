"""/openapi.json says exactly what is accepted: a value its patterns allow is answered, one
they refuse gets 400, and a 405 names every method of the path (what schemathesis found)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

PERIODS = {
    "date": ["2024-02-29", "2023-02-28", "0001-01-01", "9999-12-31", "2023-02-29", "2026-13-01"],
    "week": ["2020-W53", "2026-W53", "2025-W52", "2025-W53", "2026-W00", "0"],
    "month": ["2026-02", "9999-12", "0001-01", "0000-01", "2026-13", "0", ""],
}


def _schema(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()  # type: ignore[no-any-return]


@pytest.mark.usefixtures("papers")
def test_period_patterns_say_what_the_server_accepts(client: TestClient) -> None:
    operation = _schema(client)["paths"]["/api/daily_papers"]["get"]
    period = next(p for p in operation["parameters"] if p["name"] == "period")
    assert (period["style"], period["explode"], period["schema"]["maxProperties"]) == (
        "form",
        True,
        1,
    )
    feeds = {"date": "/papers/date/{}/feed.rss", "week": "/papers/week/{}/feed.rss"}
    feeds["month"] = "/papers/month/{}/feed.rss"
    for name, values in PERIODS.items():
        pattern = re.compile(period["schema"]["properties"][name]["pattern"])
        for value in values:
            expected = 200 if pattern.search(value) else 400
            answer = client.get("/api/daily_papers", params={name: value})
            assert answer.status_code == expected, (name, value)
            if value:  # an empty path segment is another URL
                assert client.get(feeds[name].format(value)).status_code == expected, value


@pytest.mark.usefixtures("papers")
def test_two_periods_at_once_are_outside_the_schema_and_refused(client: TestClient) -> None:
    answer = client.get("/api/daily_papers", params={"date": "2026-02-19", "week": "2026-W08"})
    assert answer.status_code == 400 and "only one of" in answer.json()["error"]


def test_bodies_and_strings_exclude_nul_and_unknown_fields(client: TestClient) -> None:
    schema = _schema(client)
    for name in ("SubmitIn", "CommentIn"):
        model = schema["components"]["schemas"][name]
        assert model["additionalProperties"] is False
        for prop in model["properties"].values():
            assert not re.search(prop["pattern"], "a\x00b"), name
    submit = re.compile(
        schema["components"]["schemas"]["SubmitIn"]["properties"]["arxiv"]["pattern"]
    )
    for text in ("2502.12345", " arXiv:2502.12345v2 ", "HTTPS://ARXIV.ORG/abs/hep-th/9901001"):
        assert submit.search(text), text
    for text in ("", "not an id", "2502.123", "٢٥٠٢.١٢٣٤٥"):
        assert not submit.search(text), text
    submitter = next(
        p
        for p in schema["paths"]["/api/daily_papers"]["get"]["parameters"]
        if p["name"] == "submitter"
    )
    assert any("pattern" in option for option in submitter["schema"]["anyOf"])


def test_a_405_names_every_method_of_the_path(client: TestClient) -> None:
    answer = client.options("/api/daily_papers")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert client.delete("/api/papers/2502.12345/comments").headers["allow"] == "GET, POST"
