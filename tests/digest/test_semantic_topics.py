"""Topic queries match by meaning when the period's papers are embedded (the real model)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from sqlalchemy import Engine

from dailypapers.db.engine import unit_of_work
from dailypapers.digest.compose import compose_period
from dailypapers.digest.content import period_content
from dailypapers.digest.schedule import Period, period_for
from dailypapers.ranking.trending import TrendingParams
from dailypapers.search.embedder import Embedder, EmbedderSource, EmbedderUnavailable, load_embedder
from dailypapers.search.indexing import embed_papers
from dailypapers.settings import Settings
from tests.digest.helpers import FRIDAY, THURSDAY, outbox_rows, subscribers
from tests.factories import make_paper

MODEL_CACHE = Path(tempfile.gettempdir()) / "dailypapers-test-models"  # shared with search
PAPERS = {
    "Learning to grasp objects with a robot arm": (
        "A manipulator picks up unseen household items from camera images."
    ),
    "End-to-end speech recognition": (
        "Transcribing spoken audio into words with a single acoustic model."
    ),
    "Semantic segmentation of street scenes": (
        "Every pixel of a driving image is labelled road, car, pedestrian or building."
    ),
}


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_embedder("onnx-int8", MODEL_CACHE)


TOPICS = {"queries": ["robotic manipulation", "medieval poetry", "speech recognition"]}


def no_model() -> Embedder:
    raise EmbedderUnavailable("switched off for this test")


def matched(engine: Engine, period: Period, embedder: EmbedderSource) -> list[tuple[str, str]]:
    with unit_of_work(engine) as session:
        content = period_content(session, period=period, params=TrendingParams(), embedder=embedder)
        return [(item.title, item.topic or "") for item in content.items_for(TOPICS, 10)]


def test_a_query_without_shared_words_matches_by_meaning(
    engine: Engine, settings: Settings, embedder: Embedder
) -> None:
    with unit_of_work(engine) as session:
        ids = [
            make_paper(session, title=title, abstract=abstract, listed_on=THURSDAY).id
            for title, abstract in PAPERS.items()
        ]
    period = period_for(settings, "daily", FRIDAY)
    speech = ("End-to-end speech recognition", "speech recognition")
    robot = ("Learning to grasp objects with a robot arm", "robotic manipulation")
    # not embedded: keywords alone, and "robotic manipulation" shares no word with the paper
    assert matched(engine, period, lambda: embedder) == [speech]
    with unit_of_work(engine) as session:
        embed_papers(session, embedder=embedder, paper_ids=ids)
    assert matched(engine, period, no_model) == [speech]  # no model: keywords still work
    # embedded: the robot paper matches by meaning; nothing in the period is medieval poetry
    assert sorted(matched(engine, period, lambda: embedder)) == sorted([robot, speech])
    subscribers(engine, settings, ["meaning@example.org"], topics=TOPICS)
    assert compose_period(engine, settings, period=period, embedder=lambda: embedder).composed == 1
    (row,) = outbox_rows(engine)
    assert "robot arm" in row.body_text and "matched: robotic manipulation" in row.body_text
    assert "Semantic segmentation" not in row.body_text
