"""Which days digests go out and cover; topic lines; keyword matching. No database."""

from __future__ import annotations

from datetime import date

import pytest

from dailypapers.digest.matching import Candidate, KeywordIndex, TopicMatcher, terms
from dailypapers.digest.schedule import ScheduleError, due_periods, period_for
from dailypapers.digest.topics import Topic, TopicError, parse_topics, topic_lines
from dailypapers.settings import Settings

MONDAY = date(2026, 2, 16)


@pytest.fixture
def config() -> Settings:
    return Settings(env="test", secret_key="k" * 32, database_url="sqlite://")


def test_daily_digests_go_out_on_weekdays_and_cover_the_days_since_the_last_one(
    config: Settings,
) -> None:
    monday = period_for(config, "daily", MONDAY)
    assert (monday.since, monday.until) == (date(2026, 2, 13), MONDAY)  # Friday to Sunday
    tuesday = period_for(config, "daily", date(2026, 2, 17))
    assert (tuesday.since, tuesday.until) == (MONDAY, date(2026, 2, 17))
    assert tuesday.key == "daily:2026-02-17"
    assert [p.kind for p in due_periods(config, MONDAY)] == ["daily", "weekly"]
    assert [p.kind for p in due_periods(config, date(2026, 2, 18))] == ["daily"]
    assert due_periods(config, date(2026, 2, 21)) == []  # Saturday
    weekly = period_for(config, "weekly", MONDAY)
    assert (weekly.since, weekly.until, weekly.key) == (
        date(2026, 2, 9),
        MONDAY,
        "weekly:2026-02-16",
    )


def test_the_sending_days_are_configurable_and_checked(config: Settings) -> None:
    every_day = config.model_copy(update={"digest_daily_days": "mon,tue,wed,thu,fri,sat,sun"})
    assert period_for(every_day, "daily", MONDAY).since == date(2026, 2, 15)
    sunday_weekly = config.model_copy(update={"digest_weekly_day": "sunday"})
    assert [p.kind for p in due_periods(sunday_weekly, date(2026, 2, 22))] == ["weekly"]
    broken = config.model_copy(update={"digest_daily_days": "mon,funday"})
    with pytest.raises(ScheduleError, match=r"DIGEST_DAILY_DAYS.*'fun'"):
        due_periods(broken, MONDAY)


def test_topic_lines_are_parsed_with_prefixes() -> None:
    topics = parse_topics(
        ["diffusion models", "cat:cs.CV", " org: NVIDIA ", "author:Yann LeCun", "", "cat:cs.CV"]
    )
    assert topics == {
        "queries": ["diffusion models"],
        "categories": ["cs.CV"],
        "organizations": ["NVIDIA"],
        "authors": ["Yann LeCun"],
    }
    assert topic_lines(topics) == [
        "diffusion models", "cat:cs.CV", "org:NVIDIA", "author:Yann LeCun",
    ]  # fmt: skip
    assert parse_topics(["note: a colon in a query"]) == {"queries": ["note: a colon in a query"]}
    with pytest.raises(TopicError, match=r"topic 2 .*cat:"):
        parse_topics(["fine", "cat:"])
    with pytest.raises(TopicError, match="at most 20"):
        parse_topics([f"topic {n}" for n in range(21)])


def _candidate(paper_id: int, title: str, abstract: str = "", **extra: object) -> Candidate:
    fields: dict[str, object] = {"categories": (), "organizations": (), "authors": ()}
    fields.update(extra)
    return Candidate(paper_id=paper_id, rank=paper_id, title=title, abstract=abstract, **fields)  # type: ignore[arg-type]


def test_keyword_matching_ranks_by_relevance_and_needs_most_terms() -> None:
    index = KeywordIndex(
        [
            _candidate(1, "A survey of reinforcement learning", "Agents learn from reward."),
            _candidate(2, "Diffusion models for video", "We train diffusion models on video."),
            _candidate(3, "Image generation", "A diffusion model generates images."),
            _candidate(4, "Video understanding", "Models that watch video."),
        ]
    )
    assert terms("The Diffusion Models!") == ["diffusion", "model"]
    assert index.search("diffusion models", 10) == [2, 3]
    assert index.search("video diffusion", 10) == [2]  # two terms: both needed
    assert index.search("the of and", 10) == []
    assert index.search("diffusion", 1) == [2]


def test_structured_topics_match_exactly_in_trending_order() -> None:
    candidates = [
        _candidate(2, "B", categories=("cs.cv",), organizations=("nvidia", "nvidia corp")),
        _candidate(1, "A", categories=("cs.cl", "cs.cv"), authors=("yann lecun", "ada")),
        _candidate(3, "C", authors=("yann smith",)),
    ]
    matcher = TopicMatcher(candidates, KeywordIndex(candidates).search)
    assert matcher.match(Topic("categories", "cs.CV"), 10) == [1, 2]
    assert matcher.match(Topic("organizations", "NVIDIA"), 10) == [2]
    assert matcher.match(Topic("authors", "LeCun"), 10) == [1]
    assert matcher.match(Topic("authors", "Yann"), 10) == [1, 3]
    assert matcher.match(Topic("authors", "Yann LeCun"), 1) == [1]
