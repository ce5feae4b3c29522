"""Generated requests to the collector endpoint, as schemathesis drives the
core API in tests/http/test_openapi.py: never a 5xx, replies as documented."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from tests.collectors.conftest import PLUGIN_KEY

pytestmark = [pytest.mark.slow, pytest.mark.database]

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def test_generated_pushes_never_fail_the_server(site):
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", site.app)
    operations = [result.ok() for result in api.get_all_operations()]
    (operation,) = [operation for operation in operations if operation.path == site.path]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
    )
    def check(case):
        case.call_and_validate(headers={"X-API-Key": PLUGIN_KEY}, checks=CHECKS)

    check()
