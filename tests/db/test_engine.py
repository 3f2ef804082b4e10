"""Engine options: lists sent as binary PostgreSQL arrays where a statement asks for it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from dailypapers.db.engine import BINARY_LISTS

TRICKY = ['a "quoted" {brace}, comma', "back\\slash", "NULL", "", None, "ünïcødé ∑", "x" * 5000]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_binary_lists_send_a_typed_array_and_every_value_intact(engine: Engine) -> None:
    with engine.connect() as connection:
        typed = connection.execute(
            text("SELECT pg_typeof(:x)::text, pg_typeof(:n)::text, CAST(:e AS INTEGER[])"),
            {"x": TRICKY, "n": [1, 70_000], "e": []},  # an empty list stays untyped
            execution_options=BINARY_LISTS,
        ).one()
        assert typed == ("text[]", "integer[]", [])
        for options in ({}, BINARY_LISTS):
            back = connection.execute(
                text("SELECT CAST(:x AS VARCHAR[]), CAST(:j AS JSONB[])"),
                {"x": TRICKY, "j": ['{"a": "b\\\\c"}', None]},
                execution_options=options,
            ).one()
            assert back == (TRICKY, [{"a": "b\\c"}, None])


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_other_statements_keep_lists_in_text_for_the_server_to_type(engine: Engine) -> None:
    with engine.connect() as connection, pytest.raises(ProgrammingError, match="data type"):
        connection.execute(text("SELECT pg_typeof(:x)::text"), {"x": ["a"]})
