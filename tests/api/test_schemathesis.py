"""Property-based API testing against our own OpenAPI schema: no 5xx, and
every response (errors included) matches the documented schema.

Schemathesis's pytest plugin does not work with pytest 9 yet (it reads a
removed `Function._nodeid`), so each operation's Hypothesis strategy is driven
here directly; the checks are Schemathesis's own."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.app import create_app


def test_the_api_never_fails_and_always_matches_its_schema(api_settings, api_engine):
    app = create_app(api_settings.model_copy(update={"rate_limit_per_minute": 0}), engine=api_engine)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:
            # Values the JSON schema admits but the domain refuses (a service level of
            # 5e-324) are a documented 422, so "positive data accepted" is not checked.
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        check()
