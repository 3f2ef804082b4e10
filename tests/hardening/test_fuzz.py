"""Schemathesis fuzzes every operation of /openapi.json, the writes with a real API token.

No answer may be a 5xx or break the documented schema; both valid (positive) and invalid
(negative) inputs are generated. `make test` runs a few derandomized examples per operation;
`make fuzz` runs many random ones (DAILYPAPERS_FUZZ_EXAMPLES).

(schemathesis' own pytest plugin, `from_fixture`, does not run under pytest 9, so the
operations are walked here, each with Hypothesis's `given`.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.ratelimit import LIMITS, Limit, RateLimiter
from tests.hardening.conftest import TokenUser
from tests.hardening.live_fuzz import stand_in_arxiv

EXAMPLES = int(os.environ.get("DAILYPAPERS_FUZZ_EXAMPLES", "6"))
NOT_REQUIRED = positive_data_acceptance
RANDOM = bool(os.environ.get("DAILYPAPERS_FUZZ_EXAMPLES"))


@pytest.fixture
def fuzzed_app(settings: Settings) -> Iterator[FastAPI]:
    with stand_in_arxiv() as arxiv:  # an arXiv that knows no paper: submissions get 404
        app = create_app(settings.model_copy(update={"arxiv_api_url": arxiv}))
        app.state.rate_limiter = RateLimiter({name: Limit(10**9, 60) for name in LIMITS})
        yield app
        app.state.engine.dispose()


def _fuzz(case_strategy: object, token_user: TokenUser, mode: GenerationMode) -> None:
    @given(case=case_strategy)
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Case) -> None:
        # Not checked: that every schema-valid value is accepted. A string parameter such
        # as `date` documents its format in words; 2025-13-40 fits the schema and gets 400.
        # The real token replaces the generated one, unless a negative case left the header
        # out on purpose (then 401 is the right answer).
        keep = mode == GenerationMode.POSITIVE or "Authorization" in (case.headers or {})
        headers = token_user.headers if keep else None
        case.call_and_validate(headers=headers, excluded_checks=[NOT_REQUIRED])

    run()


@pytest.mark.usefixtures("papers")
def test_api_fuzz(fuzzed_app: FastAPI, token_user: TokenUser) -> None:
    # The client enters the app's lifespan before the schema is read; under load that took
    # more than schemathesis' default 10 s read timeout once, so allow more.
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app, timeout=120)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation.as_strategy(generation_mode=mode), token_user, mode)
            except Unsatisfiable:
                continue  # e.g. no invalid value exists for a free-form string path parameter
            except (Exception, BaseExceptionGroup) as exc:  # all operations run and report
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert operations >= 10, operations
    assert not failures, "\n\n".join(failures)
